import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_pages_carry_security_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_attempts_are_limited_per_user_name(client):
    # given a user, and someone guessing the password
    get_user_model().objects.create_user("erika", password="right-horse-battery")
    statuses = [
        client.post("/login/", {"username": "erika", "password": f"guess-{n}"}, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(11)
    ]
    # then ten wrong attempts are answered, the eleventh is refused even with the right password
    assert statuses == [200] * 10 + [429]
    refused = client.post("/login/", {"username": "erika", "password": "right-horse-battery"}, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_login_attempts_are_limited_per_address(client):
    statuses = [
        client.post("/login/", {"username": f"user{n}", "password": "x"}, REMOTE_ADDR="192.0.2.7").status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    assert client.post("/login/", {"username": "other", "password": "x"}, REMOTE_ADDR="192.0.2.8").status_code == 200


def test_admin_login_leads_to_the_one_limited_login_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"
