import pytest
from django.utils import timezone, translation

from orderpilot.orders.states import OrderStatus


@pytest.mark.parametrize(("language", "heading"), [("de", "Anmelden"), ("en", "Log in")])
def test_login_page_speaks_the_browsers_language(client, db, language, heading):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_statuses_are_translated():
    with translation.override("de"):
        assert str(OrderStatus.ON_HOLD.label) == "angehalten"
    with translation.override("en"):
        assert str(OrderStatus.ON_HOLD.label) == "on hold"


def test_times_are_stored_in_utc_and_shown_in_berlin(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Europe/Berlin"
    assert str(timezone.get_current_timezone()) == "Europe/Berlin"
