"""The demo has no mail server: customer emails land as files in the data dir instead of failing."""

import pytest

from orderpilot.channels.services import import_order
from orderpilot.core.jobs import run_due_work
from orderpilot.core.models import OutboxMessage
from orderpilot.demo.setup import demo_environment

pytestmark = pytest.mark.django_db


def test_the_demo_writes_customer_emails_to_files(settings, tmp_path, monkeypatch, channel, products, warehouse,
                                                   channel_order_factory):  # fmt: skip
    # given the demo's environment, and no backend chosen by the user
    monkeypatch.setenv("DEMO_3PL_TOKEN", "demo")
    monkeypatch.delenv("ORDERPILOT_EMAIL_BACKEND", raising=False)
    settings.EMAIL_BACKEND = demo_environment()["ORDERPILOT_EMAIL_BACKEND"]
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    # when a shop order comes in
    import_order(channel, channel_order_factory("SHOP-900"))
    run_due_work(until_idle=True)
    # then its confirmation is a file, and the outbox counts it as sent
    [mail] = (tmp_path / "mail").iterdir()
    assert "Subject: Ihre Bestellung SHOP-900 ist eingegangen" in mail.read_text()
    assert OutboxMessage.objects.get(kind="email").status == "sent"


def test_a_backend_the_user_chose_is_kept(monkeypatch):
    monkeypatch.setenv("DEMO_3PL_TOKEN", "demo")
    monkeypatch.setenv("ORDERPILOT_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    assert demo_environment()["ORDERPILOT_EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
