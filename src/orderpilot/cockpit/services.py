"""The cockpit's own write: giving a user a role. Everything else goes through the domain apps' services."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from orderpilot.core.actors import Actor

from .roles import ADMIN, ROLES


def set_user_role(user, *, role: str, actor: Actor):
    """Make ``user`` an operator, an admin or neither (``role=""``).

    An admin also becomes staff, so the Django admin lets them in; taking the role away takes that
    away too (a superuser stays staff). An admin cannot take the admin role from themselves, so the
    last admin cannot lock everyone out of the settings.

    :raises ValueError: for an unknown role.
    :raises PermissionDenied: when an admin demotes themselves.
    """
    if role not in ("", *ROLES):
        raise ValueError(f"unknown role {role!r}")
    if actor.user_id == user.pk and role != ADMIN and not user.is_superuser:
        raise PermissionDenied("you cannot take the admin role from yourself")
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=ROLES))
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        user.is_staff = role == ADMIN or user.is_superuser
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_cockpit_roles", None)
    return user
