"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderpilot.settings.base")

app = Celery("orderpilot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["orderpilot.core"])


@app.on_after_finalize.connect
def _schedule_sweep(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    sender.add_periodic_task(settings.ORDERPILOT_SWEEP_SECONDS, sender.signature("orderpilot.sweep"), name="sweep")
