"""The cockpit's two roles and the checks every page and action makes.

- ``operator`` works orders and tickets: the board, documents, queues, packing, KPIs.
- ``admin`` also changes the settings (channels, shippers, rules, users) and downloads the
  configuration. An admin is an operator too, and so is a superuser.

A role is membership of the Django group of the same name (created by this app's migration). A
signed-in user with neither role sees no order data: every cockpit page answers 403.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

OPERATOR = "operator"
ADMIN = "admin"
ROLES = (OPERATOR, ADMIN)


def user_roles(user) -> frozenset[str]:
    """The roles ``user`` holds; cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_cockpit_roles", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        roles = frozenset(ROLES)
    else:
        groups = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        roles = frozenset({OPERATOR, ADMIN}) if ADMIN in groups else frozenset(groups)
    user._cockpit_roles = roles
    return roles


def has_role(user, role: str) -> bool:
    return role in user_roles(user)


def role_required(role: str):
    """Decorate a view so that a signed-in user without ``role`` gets 403.

    Anonymous users never reach the view: the login middleware sends them to the login page first.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, role):
                raise PermissionDenied(f"the {role} role is needed")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


operator_required = role_required(OPERATOR)
admin_required = role_required(ADMIN)
