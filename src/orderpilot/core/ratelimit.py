"""Token buckets shared by all workers (one database row per bucket, updated under its lock).

``take_token`` never lets callers exceed the published rate: it either takes a token now or says
how long to wait. Marketplace gateways call it before every request and, on a 429, ``drain`` the
bucket so that every worker backs off, not only the one that was refused.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import RateLimitBucket


def take_token(key: str, *, rate: float, burst: int, now: dt.datetime | None = None) -> float:
    """Take one token from bucket ``key``; return 0.0 on success, else the seconds to wait.

    A new bucket starts full. ``rate`` and ``burst`` are refreshed on every call, so a limit that
    the other side announces (``x-amzn-RateLimit-Limit``) takes effect at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        bucket = RateLimitBucket.objects.select_for_update().filter(key=key).first()
        if bucket is None:  # a new bucket: create it (or find the one a concurrent caller created), then lock it
            bucket, _ = RateLimitBucket.objects.get_or_create(
                key=key, defaults={"rate": rate, "burst": burst, "tokens": float(burst), "updated_at": now}
            )
            bucket = RateLimitBucket.objects.select_for_update().get(pk=bucket.pk)
        elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
        tokens = min(float(burst), bucket.tokens + elapsed * rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / rate
        RateLimitBucket.objects.filter(pk=bucket.pk).update(rate=rate, burst=burst, tokens=tokens, updated_at=now)
    return wait


def drain(key: str, *, now: dt.datetime | None = None) -> None:
    """Empty bucket ``key`` (the other side said 429): the next token comes after 1/rate seconds."""
    now = now or timezone.now()
    RateLimitBucket.objects.filter(key=key).update(tokens=0.0, updated_at=now)
