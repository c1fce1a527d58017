"""Roles: operators work orders and tickets, only admins reach the settings; without a role, nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from orderpilot.core.actors import Actor

from ..roles import user_roles
from ..services import set_user_role
from .factories import make_order, user_with_role

OPERATOR_PAGES = ["/", "/attention/", "/queue/", "/overdue/", "/tickets/", "/packing/", "/kpis/",
                  "/payments/differences/"]
SETTINGS_PAGES = ["/settings/", "/settings/config.toml", "/settings/users/"]


@pytest.mark.django_db
def test_migration_creates_the_two_roles_and_gives_admin_the_settings_permissions():
    # given: the migrated test database

    # when
    admin = Group.objects.get(name="admin")

    # then
    assert set(Group.objects.filter(name__in=["operator", "admin"]).values_list("name", flat=True)) == {
        "operator", "admin"}
    codenames = set(admin.permissions.values_list("codename", flat=True))
    assert {"change_channel", "change_shipper", "change_holdrule", "add_holdrule", "view_product"} <= codenames
    assert Group.objects.get(name="operator").permissions.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", OPERATOR_PAGES)
def test_operator_sees_the_work_pages(operator_client, url):
    # given: an operator signed in

    # when
    response = operator_client.get(url)

    # then
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", SETTINGS_PAGES)
def test_operator_is_refused_the_settings_pages_with_403(operator_client, url):
    # given: an operator signed in

    # when
    response = operator_client.get(url)

    # then
    assert response.status_code == 403
    assert "Content-Disposition" not in response


@pytest.mark.django_db
def test_operator_cannot_change_a_role(operator_client, operator, django_user_model):
    # given
    other = user_with_role(django_user_model, "paul", "operator")

    # when
    response = operator_client.post(f"/settings/users/{other.pk}/role/", {f"u{other.pk}-role": "admin"})

    # then
    assert response.status_code == 403
    other.refresh_from_db()
    assert list(other.groups.values_list("name", flat=True)) == ["operator"]
    assert other.is_staff is False


@pytest.mark.django_db
@pytest.mark.parametrize("url", OPERATOR_PAGES + SETTINGS_PAGES)
def test_admin_sees_every_page(admin_role_client, url):
    # given: an admin signed in

    # when
    response = admin_role_client.get(url)

    # then
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/tickets/", "/settings/"])
def test_signed_in_user_without_role_gets_403(client, django_user_model, url):
    # given
    make_order("302-0000001")
    client.force_login(user_with_role(django_user_model, "nora", None))

    # when
    response = client.get(url)

    # then
    assert response.status_code == 403
    assert "302-0000001" not in response.content.decode()


@pytest.mark.django_db
def test_superuser_holds_both_roles(django_user_model):
    # given
    boss = django_user_model.objects.create_superuser("boss", password="x")

    # when
    roles = user_roles(boss)

    # then
    assert roles == frozenset({"operator", "admin"})


@pytest.mark.django_db
def test_admin_gives_a_user_the_admin_role_which_makes_them_staff(admin_role_client, django_user_model):
    # given
    clerk = user_with_role(django_user_model, "clara", None)

    # when
    response = admin_role_client.post(f"/settings/users/{clerk.pk}/role/", {f"u{clerk.pk}-role": "admin"})

    # then
    assert response.status_code == 302
    clerk = django_user_model.objects.get(pk=clerk.pk)
    assert list(clerk.groups.values_list("name", flat=True)) == ["admin"]
    assert clerk.is_staff is True
    assert user_roles(clerk) == frozenset({"operator", "admin"})


@pytest.mark.django_db
def test_taking_the_role_away_removes_staff_and_group(admin_user, django_user_model):
    # given
    clerk = user_with_role(django_user_model, "clara", None)
    set_user_role(clerk, role="admin", actor=Actor.for_user(admin_user))

    # when
    set_user_role(clerk, role="", actor=Actor.for_user(admin_user))

    # then
    clerk = django_user_model.objects.get(pk=clerk.pk)
    assert list(clerk.groups.values_list("name", flat=True)) == []
    assert clerk.is_staff is False
    assert user_roles(clerk) == frozenset()


@pytest.mark.django_db
def test_admin_cannot_demote_themselves(admin_user):
    # given: the admin is signed in as themselves

    # when
    with pytest.raises(PermissionDenied):
        set_user_role(admin_user, role="operator", actor=Actor.for_user(admin_user))

    # then
    assert list(admin_user.groups.values_list("name", flat=True)) == ["admin"]


@pytest.mark.django_db
def test_unknown_role_is_refused(admin_user, django_user_model):
    # given
    clerk = user_with_role(django_user_model, "clara", "operator")

    # when
    with pytest.raises(ValueError):
        set_user_role(clerk, role="root", actor=Actor.for_user(admin_user))

    # then
    assert list(clerk.groups.values_list("name", flat=True)) == ["operator"]


@pytest.mark.django_db
def test_password_change_works_for_an_operator(operator_client, operator):
    # given: the operator's password is pw-olga-1

    # when
    response = operator_client.post(
        "/account/password/",
        {"old_password": "pw-olga-1", "new_password1": "Kaffee-Becher-42", "new_password2": "Kaffee-Becher-42"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/password/done/"
    operator.refresh_from_db()
    assert operator.check_password("Kaffee-Becher-42") is True


@pytest.mark.django_db
def test_password_change_with_wrong_old_password_changes_nothing(operator_client, operator):
    # given: the operator's password is pw-olga-1

    # when
    response = operator_client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "Kaffee-Becher-42", "new_password2": "Kaffee-Becher-42"},
    )

    # then
    assert response.status_code == 200
    operator.refresh_from_db()
    assert operator.check_password("pw-olga-1") is True
