"""``orderpilot worker`` with the Amazon gateway's own rate limits lifted (``_common.relax_gateway``),
for ``bench/pipeline.py --workers K``. Arguments are passed on to ``celery worker``."""

from __future__ import annotations

import os
import sys

import _common  # noqa: F401 - puts src/ on the path
from celery.signals import worker_init


@worker_init.connect
def _relax(**kwargs) -> None:
    import django

    django.setup()
    _common.relax_gateway()  # before the pool forks: every child inherits it


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderpilot.settings.base")
    from celery.bin.celery import main as celery_main

    from orderpilot.cli import _role_command

    command = _role_command("worker", extra=sys.argv[1:])
    sys.argv = ["celery", *command[command.index("-A"):]]
    sys.exit(celery_main())


if __name__ == "__main__":
    main()
