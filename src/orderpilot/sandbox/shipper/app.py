"""A shipper / 3PL as OrderPilot meets it: it receives delivery notes over HTTP, FTP and email,
and answers each after a while with a tracking number over its return channel.

- HTTP: ``POST`` of a document (JSON, XML, CSV, PDF, text) to any path outside ``/_sim/``; the file
  name comes from ``Content-Disposition``, repeats are recognised by ``Idempotency-Key``.
- FTP (option ``ftp_port``): files put into ``inbox/`` (a temporary name renamed into place counts
  once, on the rename). Confirmation CSVs are written into ``confirmations/`` when ``return_ftp``.
- Email (option ``smtp_port``): every attachment of a mail is a transmission, keyed by Message-ID.

A delivery note is answered ``confirm_delay`` seconds after it arrived, by a webhook POST to
``return_webhook`` (OrderPilot's ``/api/shipping/confirmations/``) with ``return_token``, and/or a
CSV file in the FTP folder ``confirmations/``; with probability ``drop_rate`` it is never answered
(to exercise OrderPilot's deadlines). A cancellation document (``…-cancel.*``) stops the answer.

Test control: ``GET /_sim/received``, ``POST /_sim/confirm {"shipment": N}`` (answer now),
``GET /_sim/confirmations``, ``POST /_sim/config {confirm_delay, drop_rate, return_webhook,
return_token}``, ``POST /_sim/stock {"stock": {SKU: n}}`` (send a stock feed), ``POST /_sim/reset``.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import hashlib
import io
import json
import logging
import os
import random
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .servers import FtpServerThread, SmtpServerThread

logger = logging.getLogger(__name__)

NUMBER = re.compile(r"LS-\d{4}-\d{6}")
FILENAME = re.compile(r'filename="?([^";]+)"?')
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
TEXTUAL = ("text/", "application/json", "application/xml")


class ShipperSimulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        ftp_port: int | None = None,
        smtp_port: int | None = None,
        ftp_user: str = "shipper",
        ftp_password: str = "shipper",
        api_token: str = "",
        confirm_delay: float = 30.0,
        drop_rate: float = 0.0,
        return_webhook: str = "",
        return_token: str = "",
        return_ftp: bool = False,
        carrier: str = "DHL",
        seed: int | None = None,
        root: str | Path | None = None,
        tick: float = 0.2,
    ):
        self.host = host
        self.api_token = api_token
        self.carrier = carrier
        self.tick = tick
        self.lock = threading.RLock()
        self.random = random.Random(seed)
        self.settings = {
            "confirm_delay": float(confirm_delay),
            "drop_rate": float(drop_rate),
            "return_webhook": return_webhook,
            "return_token": return_token,
            "return_ftp": bool(return_ftp),
        }
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="orderpilot-shipper-"))
        (self.root / "inbox").mkdir(parents=True, exist_ok=True)
        (self.root / "confirmations").mkdir(parents=True, exist_ok=True)
        self._reset_state()
        self.ftp = (
            FtpServerThread(self.root, user=ftp_user, password=ftp_password, host=host, port=ftp_port,
                            on_stored=self._ftp_stored)
            if ftp_port is not None
            else None
        )
        self.smtp = SmtpServerThread(self._mail_received, host=host, port=smtp_port) if smtp_port else None
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._answer_loop, name="shipper-sim-answers", daemon=True)
        self.urls = Map(
            [
                Rule("/_sim/received", endpoint="received", methods=["GET"]),
                Rule("/_sim/confirm", endpoint="confirm", methods=["POST"]),
                Rule("/_sim/confirmations", endpoint="confirmations", methods=["GET"]),
                Rule("/_sim/config", endpoint="config", methods=["GET", "POST"]),
                Rule("/_sim/stock", endpoint="stock", methods=["POST"]),
                Rule("/_sim/reset", endpoint="reset", methods=["POST"]),
                Rule("/", endpoint="transmission", methods=["POST"]),
                Rule("/<path:anything>", endpoint="transmission", methods=["POST"]),
            ]
        )

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> ShipperSimulator:
        if self.ftp:
            self.ftp.start()
        if self.smtp:
            self.smtp.start()
        self._worker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._worker.join(timeout=5)
        if self.ftp:
            self.ftp.stop()
        if self.smtp:
            self.smtp.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _reset_state(self) -> None:
        with self.lock:
            self.received: list[dict[str, Any]] = []
            self.keys: set[str] = set()
            self.pending: dict[str, float] = {}  # delivery note → when to answer
            self.dropped: set[str] = set()
            self.cancelled: set[str] = set()
            self.confirmations: dict[str, dict[str, Any]] = {}

    # --- receiving ----------------------------------------------------------------------------------

    def receive(self, *, channel: str, filename: str, content: bytes, media_type: str, key: str) -> bool:
        """Record one transmission; a repeat of ``key`` is recognised and ignored. True if new."""
        with self.lock:
            if key in self.keys:
                return False
            self.keys.add(key)
            match = NUMBER.search(filename)
            number = match.group(0) if match else ""
            purpose = "cancellation" if "-cancel" in filename else "delivery_note"
            entry = {
                "channel": channel,
                "filename": filename,
                "shipment": number,
                "purpose": purpose,
                "media_type": media_type,
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "key": key,
                "received_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            if media_type.startswith(TEXTUAL):
                entry["text"] = content.decode("utf-8", "replace")
            self.received.append(entry)
            if not number:
                return True
            if purpose == "cancellation":
                self.cancelled.add(number)
                self.pending.pop(number, None)
            elif number not in self.confirmations and number not in self.cancelled:
                if self.random.random() < self.settings["drop_rate"]:
                    self.dropped.add(number)
                else:
                    self.pending[number] = time.monotonic() + self.settings["confirm_delay"]
            logger.info("shipper simulator received %s over %s", filename, channel)
            return True

    def _ftp_stored(self, path: Path) -> None:
        if path.parent.name != "inbox" or not SAFE.match(path.name):
            return  # a temporary upload name, or a file outside the inbox
        content = path.read_bytes()
        self.receive(channel="ftp", filename=path.name, content=content, media_type=_guess(path.name),
                     key=f"ftp:{path.name}")

    def _mail_received(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = str(message.get("Message-ID", "")) or hashlib.sha256(raw).hexdigest()
        for part in message.iter_attachments():
            name = part.get_filename() or ""
            if SAFE.match(name):
                self.receive(channel="email", filename=name, content=part.get_payload(decode=True) or b"",
                             media_type=part.get_content_type(), key=f"email:{message_id}:{name}")

    # --- answering ----------------------------------------------------------------------------------

    def _answer_loop(self) -> None:
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            with self.lock:
                due = [number for number, at in self.pending.items() if at <= now]
            for number in due:
                self.confirm(number)

    def tracking_number(self, number: str) -> str:
        digest = int(hashlib.sha256(number.encode()).hexdigest(), 16)
        return f"00340434{digest % 10**12:012d}"

    def confirm(self, number: str) -> dict[str, Any] | None:
        """Answer delivery note ``number`` now; ``None`` if it was never received (or cancelled)."""
        with self.lock:
            known = any(r["shipment"] == number and r["purpose"] == "delivery_note" for r in self.received)
            if not known or number in self.cancelled:
                return None
            confirmation = self.confirmations.get(number) or {
                "shipment": number,
                "tracking_number": self.tracking_number(number),
                "carrier": self.carrier,
                "shipped_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            }
            self.pending.pop(number, None)
            self.dropped.discard(number)
            settings = dict(self.settings)
        delivered = []
        try:
            if settings["return_webhook"]:
                self._post_confirmation(confirmation, settings)
                delivered.append("webhook")
            if settings["return_ftp"]:
                self._write_confirmation_file(confirmation)
                delivered.append("ftp")
        except (httpx.HTTPError, OSError) as exc:
            logger.warning("shipper simulator: confirming %s failed (%s); trying again", number, exc)
            with self.lock:
                self.pending[number] = time.monotonic() + 1.0
            return None
        with self.lock:
            self.confirmations[number] = {**confirmation, "delivered_by": delivered}
        return self.confirmations[number]

    def _post_confirmation(self, confirmation: dict[str, Any], settings: dict[str, Any]) -> None:
        response = httpx.post(
            settings["return_webhook"],
            json=confirmation,
            headers={"Authorization": f"Token {settings['return_token']}"},
            timeout=10,
        )
        if response.status_code >= 400:
            raise httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request, response=response)

    def _write_confirmation_file(self, confirmation: dict[str, Any]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(["delivery_note", "tracking_number", "carrier", "shipped_at"])
        writer.writerow([confirmation[k] for k in ("shipment", "tracking_number", "carrier", "shipped_at")])
        _write_atomically(self.root / "confirmations" / f"{confirmation['shipment']}.csv", buffer.getvalue())

    def send_stock(self, stock: dict[str, int]) -> list[str]:
        with self.lock:
            settings = dict(self.settings)
        sent = []
        if settings["return_webhook"]:
            httpx.post(settings["return_webhook"], json={"stock": stock},
                       headers={"Authorization": f"Token {settings['return_token']}"}, timeout=10).raise_for_status()
            sent.append("webhook")
        if settings["return_ftp"]:
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
            writer.writerow(["sku", "quantity"])
            writer.writerows(sorted(stock.items()))
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            _write_atomically(self.root / "confirmations" / f"stock-{stamp}.csv", buffer.getvalue())
            sent.append("ftp")
        return sent

    # --- HTTP ---------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, values = self.urls.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            response = _json({"detail": exc.description}, exc.code or 500)
        return response(environ, start_response)

    def on_transmission(self, request: Request, anything: str = "") -> Response:
        if self.api_token and request.headers.get("Authorization", "") != f"Bearer {self.api_token}":
            return _json({"detail": "unauthorised"}, 401)
        match = FILENAME.search(request.headers.get("Content-Disposition", ""))
        filename = match.group(1) if match else ""
        if not SAFE.match(filename):
            return _json({"detail": "Content-Disposition with a plain file name is required"}, 400)
        key = request.headers.get("Idempotency-Key") or f"http:{filename}"
        media_type = (request.mimetype or "application/octet-stream")
        created = self.receive(channel="http", filename=filename, content=request.get_data(), media_type=media_type,
                               key=f"http:{key}")
        return _json({"received": filename, "duplicate": not created}, 201 if created else 200)

    def on_received(self, request: Request) -> Response:
        with self.lock:
            return _json(list(self.received))

    def on_confirmations(self, request: Request) -> Response:
        with self.lock:
            return _json(list(self.confirmations.values()))

    def on_confirm(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        number = str(body.get("shipment", ""))
        confirmation = self.confirm(number)
        if confirmation is None:
            raise NotFound(f"no delivery note {number!r} received (or it was cancelled, or answering failed)")
        return _json(confirmation)

    def on_config(self, request: Request) -> Response:
        if request.method == "POST":
            body = request.get_json(silent=True) or {}
            with self.lock:
                for key in ("confirm_delay", "drop_rate"):
                    if key in body:
                        self.settings[key] = float(body[key])
                for key in ("return_webhook", "return_token"):
                    if key in body:
                        self.settings[key] = str(body[key])
                if "return_ftp" in body:
                    self.settings["return_ftp"] = bool(body["return_ftp"])
        with self.lock:
            visible = {k: v for k, v in self.settings.items() if k != "return_token"}
        return _json(visible)

    def on_stock(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        stock = body.get("stock")
        if not isinstance(stock, dict):
            return _json({"detail": "body must be {\"stock\": {SKU: quantity}}"}, 400)
        return _json({"sent_by": self.send_stock({str(k): int(v) for k, v in stock.items()})})

    def on_reset(self, request: Request) -> Response:
        self._reset_state()
        for folder in ("inbox", "confirmations"):
            for path in (self.root / folder).iterdir():
                if path.is_file():
                    path.unlink()
        return _json({"reset": True})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _guess(name: str) -> str:
    return {
        "pdf": "application/pdf",
        "csv": "text/csv",
        "xml": "application/xml",
        "json": "application/json",
        "txt": "text/plain",
    }.get(name.rpartition(".")[2].lower(), "application/octet-stream")


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def create_app(relaxed: bool = False, **options: Any) -> ShipperSimulator:
    """Factory for ``orderpilot sim shipper``: options come as text from ``-o KEY=VALUE``.

    ``return_token_env`` names an environment variable holding the webhook token (secrets are not
    passed on the command line). ``relaxed`` has no meaning here (no rate limits to relax).
    """
    conversions = {
        "ftp_port": int, "smtp_port": int, "confirm_delay": float, "drop_rate": float, "seed": int,
        "tick": float, "return_ftp": lambda v: str(v).lower() in {"1", "true", "yes", "on"},
    }
    values: dict[str, Any] = {}
    for key, value in options.items():
        if key == "return_token_env":
            values["return_token"] = os.environ.get(str(value), "")
        else:
            values[key] = conversions.get(key, str)(value)
    return ShipperSimulator(**values).start()
