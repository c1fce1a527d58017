"""Who may use the API: the cockpit's roles apply here too (``orderpilot.cockpit.roles``).

Every endpoint that shows or changes orders, customers, tickets or invoices needs the operator
role (admins and superusers hold it), like the cockpit pages: a signed-in user without a role
sees no order data and changes nothing. Health, metrics and the shippers' webhook set their own
permissions.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from orderpilot.cockpit.roles import OPERATOR, has_role


class HasOperatorRole(BasePermission):
    message = "the operator role is needed"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and has_role(user, OPERATOR))
