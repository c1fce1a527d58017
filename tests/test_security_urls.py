"""Every URL of the project refuses anonymous users, except an explicit allow-list.

The URL list is walked from the URL configuration itself, so a view added later without a login
check makes this test fail instead of slipping through.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLES = {"int": "1", "path": "1", "str": "x", "slug": "x", "uuid": str(uuid.UUID(int=1))}
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


def _sample_for_group(match: re.Match) -> str:
    body = match["body"]
    if re.fullmatch(r"[\w-]+(\|[\w-]+)*", body):
        return body.split("|")[0]  # an alternation of words: take the first
    if body in (r"\d+", "[0-9]+"):
        return "1"
    return "x"


def _concrete(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _ROUTE_PARAM.sub(lambda m: SAMPLES[m["converter"] or "str"], str(pattern))
    if isinstance(pattern, RegexPattern):
        regex = str(pattern).removeprefix("^").removesuffix("$")
        concrete = _REGEX_GROUP.sub(_sample_for_group, regex)
        assert not set(concrete) & set("()[]?*+\\^$"), f"cannot make a URL from regex {pattern}"
        return concrete
    raise AssertionError(f"unknown pattern type {type(pattern).__name__}")


def walk(resolver: URLResolver, prefix: str = "/") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found.extend(walk(entry, prefix + _concrete(entry.pattern)))
        elif isinstance(entry, URLPattern):
            found.append((prefix + _concrete(entry.pattern), entry))
        else:
            raise AssertionError(f"unexpected entry {entry!r}")
    return found


ALL_URLS = walk(get_resolver())
URLS = [url for url, _pattern in ALL_URLS]

#: Reachable without login, with the answers an anonymous GET and POST get.
ALLOWED = {
    "/login/": {"GET": 200, "POST": 200},  # the form, and the form again with an error
    "/admin/login/": {"GET": 302, "POST": 302},  # to the one login page (its attempts are limited)
    "/api/health/": {"GET": 200, "POST": 405},
    "/api/shipping/confirmations/": {"GET": 405, "POST": 401},  # per-shipper token, checked by the view
    "/api/metrics/": {"GET": 401, "POST": 405},  # staff session or the metrics token, checked by the view
}


def url_kind(url: str) -> str:
    if url.startswith("/api/"):
        return "api"
    if url.startswith("/admin/"):
        return "admin"
    return "cockpit"


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m is not Session}


@pytest.fixture
def held_order(channel, products, channel_order_factory):
    """An order held by a buyer-note rule, with its open hold ticket."""
    from orderpilot.channels.services import import_order
    from orderpilot.core.jobs import run_due_work
    from orderpilot.orders.models import HoldRule
    from orderpilot.tickets.models import Ticket

    HoldRule.objects.create(code="buyer-note", when="buyer_note")
    order = import_order(channel, channel_order_factory(buyer_note="Bitte als Geschenk verpacken")).order
    run_due_work(until_idle=True)
    order.refresh_from_db()
    assert order.status == "on_hold"
    return order, Ticket.objects.get(order=order, status="open")


# --- the walk itself -----------------------------------------------------------------------------


def test_the_walk_finds_every_part_of_the_site():
    # given / when: ALL_URLS, walked at import

    # then
    for expected in [
        "/",
        "/orders/1/",
        "/login/",
        "/logout/",
        "/admin/",
        "/admin/login/",
        "/admin/orders/salesorder/1/change/",
        "/admin/auth/",
        "/admin/x",
        "/api/health/",
        "/api/schema/",
        "/api/orders/",
        "/api/orders/1/",
        "/api/orders/1/release/",
        "/api/customers/",
        "/api/tickets/",
        "/api/tickets/1/resolve/",
        "/api/shipping/confirmations/",
    ]:
        assert expected in URLS
    assert set(ALLOWED) <= set(URLS)


@pytest.mark.parametrize(("url", "pattern"), ALL_URLS, ids=URLS)
def test_each_walked_url_resolves_to_its_own_pattern(url, pattern):
    # given: a URL made from the pattern with sample values

    # when
    match = resolve(url)

    # then
    assert match.func == pattern.callback


# --- anonymous visitors ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("url", URLS)
def test_anonymous_request_is_refused_unless_allowed(client, url, method):
    # given
    before = row_counts()

    # when
    response = client.get(url) if method == "GET" else client.post(url, {"name": "x", "code": "x"})

    # then
    if url in ALLOWED:
        assert response.status_code == ALLOWED[url][method]
        if url == "/admin/login/":
            assert urlsplit(response["Location"]).path == "/login/"
    elif url_kind(url) == "api":
        assert response.status_code in (401, 403)
        assert "results" not in response.content.decode()
    elif url_kind(url) == "admin":
        # LoginRequiredMiddleware sends the admin site's own pages to the admin login; Django marks
        # only those, so the model admin pages (/admin/<app>/<model>/…) go to the cockpit login.
        # Both lead back to the page through ``next``.
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path in ("/admin/login/", "/login/")
        assert parse_qs(location.query) == {"next": [url]}
    else:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert (location.path, parse_qs(location.query)) == ("/login/", {"next": [url]})
    after = row_counts()
    if (url, method) == ("/login/", "POST"):
        # a login attempt spends a token of the attempt limiter, and nothing else
        assert after.pop("core.RateLimitBucket") == 2
        before.pop("core.RateLimitBucket")
    assert after == before


@pytest.mark.django_db
def test_anonymous_admin_index_redirects_to_the_admin_login(client):
    # given: nobody logged in

    # when
    response = client.get("/admin/", follow=True)

    # then
    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302), ("/login/?next=/admin/", 302)]
    assert response.status_code == 200
    assert set(form_inputs(response.content.decode())) >= {"username", "password"}


@pytest.mark.django_db
def test_anonymous_board_redirects_to_a_login_form_with_username_and_password(client):
    # given: nobody logged in

    # when
    response = client.get("/", follow=True)

    # then
    assert response.redirect_chain == [("/login/?next=/", 302)]
    inputs = form_inputs(response.content.decode())
    assert inputs["username"] == "text"
    assert inputs["password"] == "password"


@pytest.mark.django_db
def test_static_files_are_served_without_login(client):
    # given: the cockpit's stylesheet

    # when
    response = client.get("/static/cockpit/cockpit.css")
    body = b"".join(response.streaming_content)
    response.close()

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert body != b""


@pytest.mark.django_db
def test_anonymous_posts_to_api_actions_change_nothing(client, held_order):
    # given
    order, ticket = held_order

    # when
    release = client.post(f"/api/orders/{order.pk}/release/", {}, content_type="application/json")
    resolve_ = client.post(
        f"/api/tickets/{ticket.pk}/resolve/", {"requeue": True}, content_type="application/json"
    )

    # then
    assert (release.status_code, resolve_.status_code) == (401, 401)
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert order.status == "on_hold"
    assert ticket.status == "open"
    assert list(order.hold_reasons.values_list("status", flat=True)) == ["active"]


# --- logged-in users --------------------------------------------------------------------------------


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("type", "text")


def form_inputs(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.inputs


@pytest.mark.django_db
def test_logged_in_user_sees_the_board_with_a_search_input(client, django_user_model):
    # given
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-1")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    client.force_login(user)

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    assert form_inputs(response.content.decode())["q"] == "search"


@pytest.mark.django_db
def test_logged_in_normal_user_is_not_let_into_the_admin(client, django_user_model):
    # given
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-1")
    client.force_login(user)

    # when
    response = client.get("/admin/orders/salesorder/")

    # then
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/admin/login/"


# --- ORDERPILOT_API_TOKEN -------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(ORDERPILOT_API_TOKEN="env-token-4f1c2b")
def test_environment_token_authenticates_as_the_first_superuser(client, django_user_model, held_order):
    # given
    django_user_model.objects.create_user("clerk", password="x")
    first = django_user_model.objects.create_superuser("first-admin", password="x")
    django_user_model.objects.create_superuser("second-admin", password="x")
    order, ticket = held_order

    # when
    listing = client.get("/api/orders/", HTTP_AUTHORIZATION="Token env-token-4f1c2b")
    release = client.post(
        f"/api/orders/{order.pk}/release/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token env-token-4f1c2b",
    )

    # then
    assert listing.status_code == 200
    assert [o["external_id"] for o in listing.json()["results"]] == [order.external_id]
    assert release.status_code == 200
    order.refresh_from_db()
    assert order.status == "released"
    last_change = order.events.filter(kind="status_changed").order_by("-at", "-pk").first()
    assert last_change.actor == "first-admin"
    assert order.hold_reasons.get().resolved_by == first


@pytest.mark.django_db
@override_settings(ORDERPILOT_API_TOKEN="env-token-4f1c2b")
def test_a_wrong_token_gets_401_and_changes_nothing(client, django_user_model, held_order):
    # given
    django_user_model.objects.create_superuser("first-admin", password="x")
    order, ticket = held_order

    # when
    listing = client.get("/api/orders/", HTTP_AUTHORIZATION="Token env-token-WRONG")
    release = client.post(
        f"/api/orders/{order.pk}/release/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token env-token-WRONG",
    )

    # then
    assert listing.status_code == 401
    assert release.status_code == 401
    order.refresh_from_db()
    assert order.status == "on_hold"
    ticket.refresh_from_db()
    assert ticket.status == "open"


@pytest.mark.django_db
@override_settings(ORDERPILOT_API_TOKEN="env-token-4f1c2b")
def test_environment_token_without_any_superuser_gets_401(client, django_user_model):
    # given
    django_user_model.objects.create_user("clerk", password="x")

    # when
    response = client.get("/api/orders/", HTTP_AUTHORIZATION="Token env-token-4f1c2b")

    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "ORDERPILOT_API_TOKEN is set but no superuser exists yet"}


@pytest.mark.django_db
@override_settings(ORDERPILOT_API_TOKEN="")
def test_no_environment_token_configured_means_no_token_accepted(client, django_user_model):
    # given
    django_user_model.objects.create_superuser("first-admin", password="x")

    # when
    response = client.get("/api/orders/", HTTP_AUTHORIZATION="Token any-guess")

    # then
    assert response.status_code == 401


# --- CSRF on the login form ------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_form_refuses_a_post_without_csrf_token(django_user_model):
    # given
    django_user_model.objects.create_user("clerk", password="pw-clerk-1")
    browser = Client(enforce_csrf_checks=True)

    # when
    response = browser.post("/login/", {"username": "clerk", "password": "pw-clerk-1"})

    # then
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session
    assert browser.get("/").status_code == 302


@pytest.mark.django_db
def test_login_form_accepts_a_post_with_its_csrf_token(django_user_model):
    # given
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1")
    clerk.groups.add(Group.objects.get_or_create(name="operator")[0])
    browser = Client(enforce_csrf_checks=True)
    browser.get("/login/")
    token = browser.cookies["csrftoken"].value

    # when
    response = browser.post(
        "/login/", {"username": "clerk", "password": "pw-clerk-1", "csrfmiddlewaretoken": token}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert browser.get("/").status_code == 200
