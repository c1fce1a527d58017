"""Import under Amazon's real rate limits: orders per hour reached against the ceiling they allow.

    .venv/bin/python bench/import_rate_limits.py --hours 2 --db sqlite
    .venv/bin/python bench/import_rate_limits.py --hours 2 --db postgres

searchOrders allows a burst of 20 calls, then 0.0056 per second (one per 178.6 s), 100 orders a
page: from a full bucket, H hours allow at most 100 × (20 + 0.0056 × 3600 × H) orders. The Amazon
simulator runs with its limits on (``orderpilot sim amazon``, not relaxed) and a frozen clock that
moves only when this script says (``POST /_sim/clock``); it holds a backlog of 20 % more orders than
the ceiling, so the import is bound by the rate limit, not by the orders.

Hours pass in simulated time: this process plays the scheduler, running the ``poll_channels`` job
(the real poll, gateway, shared token bucket and import) at every sweep (default 5 s) at which the
channel is due, and moving one clock, OrderPilot's (``django.utils.timezone.now``, which
``core.ratelimit.take_token`` and the poller read) and the simulator's together: by the real time
each poll took, and, when nothing is due, to the next sweep at or after the channel's
``next_poll_at``. The gateway's short waits for a token (``time.sleep``) move the clock instead of
sleeping. Nothing in the application is changed for this; the hooks live in this script.

Printed: pages and orders imported per simulated hour against the ceiling, 429 answers seen (a 429
drains the shared bucket; none should happen), and the real time the simulation took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import types

import _common
from _common import Children, emit

RATE, BURST, PAGE = 0.0056, 20, 100


class Clock:
    """OrderPilot's and the simulator's clock, moved together."""

    def __init__(self, start: dt.datetime, http, sim_url: str):
        self.now = start
        self.http = http
        self.sim_url = sim_url
        self.moved = 0.0

    def advance(self, seconds: float) -> None:
        seconds = round(max(seconds, 0.0), 3)
        if not seconds:
            return
        response = self.http.post(f"{self.sim_url}/_sim/clock", json={"advance": f"{seconds:.3f}s"})
        response.raise_for_status()
        self.now += dt.timedelta(seconds=seconds)
        self.moved += seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2.0, help="simulated hours (default 2)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sweep", type=float, default=5.0, help="the scheduler's sweep in seconds (default 5)")
    args = parser.parse_args()

    ceiling_pages = BURST + RATE * 3600 * args.hours
    ceiling = int(PAGE * ceiling_pages)
    backlog = int(ceiling * 1.2)
    emit(f"machine: {_common.machine()}")
    with _common.bench_database(args.db, "ratelimit") as url, _common.data_dir("ratelimit") as folder:
        env = _common.environment(url, folder, BENCH_AMAZON_CLIENT_ID="amzn1.application-oa2-client.sim",
                                  BENCH_AMAZON_CLIENT_SECRET="sim-secret",  # noqa: S106 - the simulator's
                                  BENCH_AMAZON_REFRESH_TOKEN="Atzr|sim-refresh")
        _common.setup_django(env)
        emit(f"database: {_common.database_version()}")
        import httpx

        children = Children(folder)
        try:
            port = _common.free_port()
            sim_url = f"http://127.0.0.1:{port}"
            start = dt.datetime.now(dt.UTC).replace(microsecond=0)
            children.start("sim-amazon", _common.orderpilot(
                "sim", "amazon", "--port", str(port), "-o", f"start={start.isoformat()}", "-o", "seed=1",
                "-o", "generate_every=0"), env)
            _common.wait_for_http(f"{sim_url}/_sim/clock", children=children)
            http = httpx.Client(timeout=60)
            for left in range(backlog, 0, -1000):
                http.post(f"{sim_url}/_sim/generate", json={"count": min(left, 1000)}).raise_for_status()
            # every Pending order turns Unshipped, and the orders lie behind Amazon's two-minute edge
            http.post(f"{sim_url}/_sim/clock", json={"advance": "15m"}).raise_for_status()
            now = http.get(f"{sim_url}/_sim/clock").json()["now"]
            clock = Clock(dt.datetime.fromisoformat(now.replace("Z", "+00:00")), http, sim_url)
            result = simulate(clock, sim_url, args.hours, args.sweep)
        finally:
            children.stop_all()
    hours = args.hours
    imported, pages, throttled = result["imported"], result["pages"], result["throttled"]
    emit(f"backlog: {backlog:,} orders at the simulator; simulated {hours:g} h in {result['real']:.0f} s real time")
    emit(f"ceiling: {ceiling_pages:.1f} searchOrders calls = {ceiling:,} orders "
         f"({ceiling / hours:,.0f} orders/h over {hours:g} h; {RATE * 3600 * PAGE:,.0f} orders/h after the burst)")
    emit(f"reached: {pages} calls, {imported:,} orders = {imported / hours:,.0f} orders/h, "
         f"{imported / ceiling * 100:.1f} % of the ceiling")
    after_burst = max(pages - BURST, 0)
    emit(f"after the burst: {after_burst} calls in {hours:g} h against {RATE * 3600 * hours:.1f} allowed "
         f"({after_burst / (RATE * 3600 * hours) * 100:.1f} %)")
    emit(f"429 answers: {throttled} (calls refused by the simulator's bucket); polls run: {result['polls']}")


def simulate(clock: Clock, sim_url: str, hours: float, sweep: float) -> dict:
    from django.utils import timezone

    from orderpilot.channels.amazon import gateway
    from orderpilot.channels.models import Channel
    from orderpilot.core import ratelimit
    from orderpilot.core.configuration.apply import apply_config
    from orderpilot.core.configuration.schema import validate_config
    from orderpilot.core.jobs import run_job
    from orderpilot.orders.models import SalesOrder

    counts = {"pages": 0, "throttled": 0}
    timezone.now = lambda: clock.now  # OrderPilot's clock (poller, token bucket, watermarks)
    # a short wait for a token moves the clock instead (the gateway's own name ``time`` only)
    gateway.time = types.SimpleNamespace(sleep=clock.advance, monotonic=time.monotonic, time=time.time)
    real_drain, real_search = ratelimit.drain, gateway.AmazonGateway.search_orders

    def drain(key, **kwargs):
        counts["throttled"] += 1
        return real_drain(key, **kwargs)

    def search(self, **kwargs):
        page = real_search(self, **kwargs)
        counts["pages"] += 1
        return page

    ratelimit.drain = drain
    gateway.AmazonGateway.search_orders = search
    apply_config(validate_config({"channels": [{
        "code": "amazon-de", "kind": "amazon", "endpoint": sim_url, "token_endpoint": f"{sim_url}/auth/o2/token",
        "marketplace_ids": ["A1PA6795UKMFR9", "A1F83G8C2ARO7P"], "refresh_token_env": "BENCH_AMAZON_REFRESH_TOKEN",
        "client_id_env": "BENCH_AMAZON_CLIENT_ID", "client_secret_env": "BENCH_AMAZON_CLIENT_SECRET",
        "poll_interval": "5m",
    }]}))
    end = clock.now + dt.timedelta(hours=hours)
    began = time.perf_counter()
    polls = 0
    last_report = clock.now
    while clock.now < end:
        channel = Channel.objects.get()
        if channel.next_poll_at is None or channel.next_poll_at <= clock.now:
            work = time.perf_counter()
            run_job("poll_channels")
            polls += 1
            clock.advance(time.perf_counter() - work)  # the poll took real time
            continue
        # nothing due: the scheduler's next sweep at or after the channel's next poll
        wait = (channel.next_poll_at - clock.now).total_seconds()
        clock.advance(min(sweep * -(-wait // sweep), (end - clock.now).total_seconds()))
        if clock.now - last_report >= dt.timedelta(minutes=30):
            last_report = clock.now
            emit(f"  {(clock.now - end).total_seconds() / 3600 + hours:4.1f} h: "
                 f"{SalesOrder.objects.count():,} orders, {counts['pages']} calls, {counts['throttled']} × 429")
    return {"imported": SalesOrder.objects.count(), "real": time.perf_counter() - began, "polls": polls, **counts}


if __name__ == "__main__":
    main()
