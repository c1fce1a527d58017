"""Cockpit pages: thin views that check the role, parse the request, call a selector or a service, render.

Reads come from :mod:`orderpilot.cockpit.selectors`, writes go through the domain services
(``orders.services``, ``tickets.services``, ``shipping.services``) or, for roles, this app's services.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orderpilot.core.actors import Actor
from orderpilot.core.exceptions import IllegalTransition, TerminalError
from orderpilot.notifications.policy import MessageKind, may_email
from orderpilot.orders.models import SalesOrder
from orderpilot.orders.services import release_order
from orderpilot.orders.states import OrderStatus
from orderpilot.shipping.models import DocumentPurpose, ShipmentStatus, ShipperKind
from orderpilot.shipping.services import record_tracking
from orderpilot.tickets.models import Ticket, TicketReason, TicketStatus
from orderpilot.tickets.services import assign_ticket, comment_ticket, email_customer_from_ticket, resolve_ticket

from . import charts, selectors
from .configuration import export_configuration
from .forms import CommentForm, CustomerEmailForm, PackingForm, ReleaseForm, ResolveForm, RoleForm
from .kpis import DEFAULT_PERIOD, PERIODS, compute_kpis
from .labels import event_label
from .roles import ADMIN, admin_required, operator_required, user_roles
from .services import set_user_role

#: Seconds between two refreshes of the board's table body.
BOARD_REFRESH_SECONDS = 15


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def board_query(params) -> selectors.BoardQuery:
    """The board's filters from the query string; unknown values are ignored, not errors."""
    status = params.get("status", "")
    problem = params.get("problem", "")
    sort = params.get("sort", "")
    return selectors.BoardQuery(
        q=params.get("q", "").strip()[:200],
        status=status if status in OrderStatus.values else "",
        channel=params.get("channel", "").strip()[:64],
        shipper=params.get("shipper", "").strip()[:64],
        problem=problem if problem in dict(selectors.Problem.choices) else "",
        customer=_int(params.get("customer")),
        sort=sort if sort in selectors.SORTS else selectors.DEFAULT_SORT,
    )


# --- board and attention ------------------------------------------------------------------------


@require_GET
@operator_required
def board(request):
    query = board_query(request.GET)
    page = selectors.board_page(query, after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    context = {"query": query, "page": page, "refresh_seconds": BOARD_REFRESH_SECONDS}
    if request.htmx and request.GET.get("partial") == "rows":
        return render(request, "cockpit/partials/board_rows.html", context)
    context.update(selectors.board_choices())
    context["attention"] = selectors.needs_attention(limit=0, differences=False)
    return render(request, "cockpit/board.html", context)


@require_GET
@operator_required
def attention(request):
    return render(request, "cockpit/attention.html", {"attention": selectors.needs_attention(limit=20)})


@require_GET
@operator_required
def manual_queue(request):
    offset = max(_int(request.GET.get("offset")) or 0, 0)
    rows = list(selectors.held_orders()[offset : offset + selectors.PAGE_SIZE + 1])
    return render(
        request,
        "cockpit/queue.html",
        {
            "orders": rows[: selectors.PAGE_SIZE],
            "more": len(rows) > selectors.PAGE_SIZE,
            "next_offset": offset + selectors.PAGE_SIZE,
            "previous_offset": max(offset - selectors.PAGE_SIZE, 0) if offset else None,
            "release_form": ReleaseForm(),
        },
    )


@require_GET
@operator_required
def overdue(request):
    now = timezone.now()
    return render(
        request,
        "cockpit/overdue.html",
        {
            "shipments": list(selectors.overdue_shipments(now=now)[:200]),
            "late_orders": list(selectors.late_orders(now=now)[:200]),
            "now": now,
        },
    )


@require_GET
@operator_required
def payment_differences(request):
    days = _int(request.GET.get("days")) or selectors.DIFFERENCE_DAYS
    days = min(max(days, 1), 3650)
    since = timezone.now() - dt.timedelta(days=days)
    return render(
        request,
        "cockpit/payment_differences.html",
        {
            "orders": list(selectors.payment_differences(since=since)[:200]),
            "tickets": list(selectors.payment_difference_tickets()[:200]),
            "days": days,
        },
    )


# --- documents ----------------------------------------------------------------------------------


@require_GET
@operator_required
def order_detail(request, pk: int):
    order = selectors.order_page(pk)
    if order is None:
        raise Http404(_("No such order."))
    for event in order.timeline:
        event.label = event_label(event.kind)
    return render(
        request,
        "cockpit/order.html",
        {
            "order": order,
            "active_holds": [h for h in order.all_holds if h.status == "active"],
            "release_form": ReleaseForm(),
        },
    )


@require_POST
@operator_required
def order_release(request, pk: int):
    order = SalesOrder.objects.filter(pk=pk).first()
    if order is None:
        raise Http404(_("No such order."))
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long."))
    else:
        try:
            release_order(order, actor=Actor.for_user(request.user), note=form.cleaned_data["note"])
        except IllegalTransition:
            messages.error(request, _("Order %(order)s is not on hold.") % {"order": order.external_id})
        else:
            messages.success(request, _("Order %(order)s released.") % {"order": order.external_id})
    return redirect(_next_url(request, reverse("cockpit:order", args=[pk])))


@require_GET
@operator_required
def order_payments(request, pk: int):
    summary = selectors.order_payments(pk)
    if summary is None:
        raise Http404(_("No such order."))
    return render(request, "cockpit/payments.html", {"summary": summary, "order": summary.order})


@require_GET
@operator_required
def shipment_detail(request, number: str):
    shipment = selectors.shipment_page(number)
    if shipment is None:
        raise Http404(_("No such delivery note."))
    return render(request, "cockpit/shipment.html", {"shipment": shipment, "decision": shipment.decision or {}})


@require_GET
@operator_required
def shipment_pdf(request, number: str):
    """The delivery note as PDF (the packing slip), rendered on first use and kept by the shipping app."""
    from orderpilot.shipping.documents import shipment_document

    shipment = selectors.shipment_page(number)
    if shipment is None:
        raise Http404(_("No such delivery note."))
    document = shipment_document(shipment, DocumentPurpose.PACKING_SLIP)
    return _download(document.content, document.media_type, document.filename, inline=True)


@require_GET
@operator_required
def shipment_stored_document(request, number: str, document_pk: int):
    document = selectors.stored_shipment_document(number, document_pk)
    if document is None:
        raise Http404(_("No such document."))
    return _download(bytes(document.content), document.media_type, document.filename)


@require_GET
@operator_required
def invoice_detail(request, number: str):
    invoice = selectors.invoice_page(number)
    if invoice is None:
        raise Http404(_("No such invoice."))
    return render(request, "cockpit/invoice.html", {"invoice": invoice, "order": invoice.order})


@require_GET
@operator_required
def invoice_xml(request, number: str):
    xml = selectors.invoice_xml(number)
    if xml is None:
        raise Http404(_("This invoice has no e-invoice yet."))
    return _download(xml, "application/xml", f"{number}.xml")


@require_GET
@operator_required
def customer_detail(request, pk: int):
    found = selectors.customer_page(pk)
    if found is None:
        raise Http404(_("No such customer."))
    customer, orders, more, tickets = found
    return render(
        request, "cockpit/customer.html", {"customer": customer, "orders": orders, "more": more, "tickets": tickets}
    )


def _download(content: bytes, media_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


# --- tickets ------------------------------------------------------------------------------------


@require_GET
@operator_required
def ticket_list(request):
    status = request.GET.get("status", "open")
    reason = request.GET.get("reason", "")
    assignee = request.GET.get("assignee", "")
    query = selectors.TicketQuery(
        status=status if status in ("open", "all", *TicketStatus.values) else "open",
        reason=reason if reason in TicketReason.values else "",
        assignee=assignee if assignee in ("me", "nobody") else "",
        q=request.GET.get("q", "").strip()[:200],
    )
    offset = max(_int(request.GET.get("offset")) or 0, 0)
    tickets, more = selectors.ticket_list(query, user=request.user, offset=offset)
    return render(
        request,
        "cockpit/tickets.html",
        {
            "query": query,
            "tickets": tickets,
            "more": more,
            "next_offset": offset + selectors.PAGE_SIZE,
            "previous_offset": max(offset - selectors.PAGE_SIZE, 0) if offset else None,
            "reasons": TicketReason.choices,
            "statuses": [("open", _("open or waiting")), *TicketStatus.choices, ("all", _("all"))],
        },
    )


@require_GET
@operator_required
def ticket_detail(request, pk: int):
    ticket = selectors.ticket_page(pk)
    if ticket is None:
        raise Http404(_("No such ticket."))
    order = selectors.order_page(ticket.order_id) if ticket.order_id else None
    if order is not None:
        for event in order.timeline:
            event.label = event_label(event.kind)
    return render(
        request,
        "cockpit/ticket.html",
        {
            "ticket": ticket,
            "order": order,
            "active_holds": [h for h in order.all_holds if h.status == "active"] if order else [],
            "comment_form": CommentForm(),
            "resolve_form": ResolveForm(),
            "release_form": ReleaseForm(),
            "is_open": ticket.status != TicketStatus.CLOSED,
            "may_email_customer": order is not None and may_email(order.channel, MessageKind.TICKET_REPLY),
            "order_on_hold": order is not None and order.status == OrderStatus.ON_HOLD,
        },
    )


def _open_ticket_or_404(pk: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None:
        raise Http404(_("No such ticket."))
    return ticket


@require_POST
@operator_required
def ticket_comment(request, pk: int):
    ticket = _open_ticket_or_404(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        comment_ticket(ticket, actor=Actor.for_user(request.user), body=form.cleaned_data["body"])
        messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment first."))
    return redirect("cockpit:ticket", pk=pk)


@require_POST
@operator_required
def ticket_resolve(request, pk: int):
    ticket = _open_ticket_or_404(pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The resolution is too long."))
        return redirect("cockpit:ticket", pk=pk)
    _resolve(request, ticket, requeue=form.cleaned_data["requeue"], resolution=form.cleaned_data["resolution"])
    return redirect("cockpit:ticket", pk=pk)


@require_POST
@operator_required
def ticket_release(request, pk: int):
    """Resolve the ticket and put its order back into automatic processing (requeue)."""
    ticket = _open_ticket_or_404(pk)
    form = ReleaseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    _resolve(request, ticket, requeue=True, resolution=note)
    return redirect("cockpit:ticket", pk=pk)


@require_POST
@operator_required
def ticket_assign(request, pk: int):
    """Take the ticket (``to=me``) or give it back (``to=nobody``)."""
    ticket = _open_ticket_or_404(pk)
    assignee = request.user if request.POST.get("to") == "me" else None
    assign_ticket(ticket, assignee=assignee, actor=Actor.for_user(request.user))
    return redirect("cockpit:ticket", pk=pk)


@require_POST
@operator_required
def ticket_email(request, pk: int):
    """Email the order's customer from the ticket, if the channel's policy allows it."""
    ticket = _open_ticket_or_404(pk)
    form = CustomerEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a subject and a message."))
    elif email_customer_from_ticket(
        ticket, actor=Actor.for_user(request.user), subject=form.cleaned_data["subject"], text=form.cleaned_data["text"]
    ):
        messages.success(request, _("The email is on its way."))
    else:
        messages.error(request, _("No email sent: the channel's policy forbids it, or the customer has no address."))
    return redirect("cockpit:ticket", pk=pk)


def _resolve(request, ticket: Ticket, *, requeue: bool, resolution: str) -> None:
    if ticket.status == TicketStatus.CLOSED:
        messages.error(request, _("Ticket #%(ticket)s is already closed.") % {"ticket": ticket.pk})
        return
    try:
        resolve_ticket(ticket, actor=Actor.for_user(request.user), requeue=requeue, resolution=resolution)
    except IllegalTransition:
        messages.error(
            request,
            _("The order is still on hold: release it back into automatic processing, or cancel it first."),
        )
        return
    if requeue:
        messages.success(request, _("Ticket #%(ticket)s resolved; the order goes on automatically.")
                         % {"ticket": ticket.pk})
    else:
        messages.success(request, _("Ticket #%(ticket)s resolved.") % {"ticket": ticket.pk})


# --- packing ------------------------------------------------------------------------------------


@require_GET
@operator_required
def packing(request):
    return _packing_page(request, PackingForm())


def _packing_page(request, form: PackingForm, *, status: int = 200):
    queue = list(selectors.packing_queue()[:200])
    return render(request, "cockpit/packing.html", {"form": form, "queue": queue}, status=status)


@require_POST
@operator_required
def packing_confirm(request):
    """The packing station: a parcel of an in-house delivery note got its tracking number."""
    form = PackingForm(request.POST)
    if not form.is_valid():
        return _packing_page(request, form, status=400)
    shipment = selectors.shipment_for_packing(form.cleaned_data["shipment"])
    if shipment is None or shipment.shipper.kind != ShipperKind.IN_HOUSE:
        form.add_error("shipment", _("No delivery note of the in-house warehouse has this number."))
        return _packing_page(request, form, status=400)
    if shipment.status == ShipmentStatus.CANCELLED:
        form.add_error("shipment", _("This delivery note was cancelled: do not ship it."))
        return _packing_page(request, form, status=400)
    try:
        package, created = record_tracking(
            shipment,
            tracking_number=form.cleaned_data["tracking_number"],
            carrier=form.cleaned_data["carrier"],
            actor=Actor.for_user(request.user),
        )
    except (TerminalError, ValueError) as exc:
        form.add_error("tracking_number", str(exc))
        return _packing_page(request, form, status=400)
    text = _("%(shipment)s confirmed with %(carrier)s %(tracking)s.") if created else _(
        "%(shipment)s already had %(carrier)s %(tracking)s."
    )
    messages.success(
        request, text % {"shipment": shipment.number, "carrier": package.carrier, "tracking": package.tracking_number}
    )
    return redirect("cockpit:packing")


# --- KPIs ---------------------------------------------------------------------------------------


@require_GET
@operator_required
def kpi_page(request):
    days = _int(request.GET.get("days"))
    days = days if days in PERIODS else DEFAULT_PERIOD
    kpis = compute_kpis(days)
    figures = {
        "orders_per_day": charts.orders_per_day_chart(kpis, title=_("Orders per day and channel")),
        "rates": charts.rates_chart(
            kpis,
            title=_("Rates per channel (%)"),
            labels=(_("automation rate"), _("late-shipment rate"), _("valid-tracking rate")),
        ),
        "confirmation": charts.confirmation_chart(
            kpis, title=_("Time from order to shipping confirmation"), series=_("orders")
        ),
        "tickets": charts.tickets_chart(kpis, title=_("Open tickets by reason"), series=_("tickets")),
        "unpaid": charts.unpaid_chart(kpis, title=_("Unpaid invoices by age (gross)"), series=_("amount")),
    }
    return render(request, "cockpit/kpis.html", {"kpis": kpis, "charts": figures, "periods": PERIODS})


# --- settings (admin role) ----------------------------------------------------------------------


@require_GET
@admin_required
def settings_index(request):
    return render(request, "cockpit/settings.html", selectors.settings_overview())


@require_GET
@admin_required
def settings_config_download(request):
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(export_configuration(), content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orderpilot-config-{stamp}.toml"'
    return response


@require_GET
@admin_required
def settings_users(request):
    users = list(get_user_model().objects.order_by("username").prefetch_related("groups"))
    rows = [(user, _role_of(user), RoleForm(initial={"role": _role_of(user)}, prefix=f"u{user.pk}")) for user in users]
    return render(request, "cockpit/users.html", {"rows": rows})


def _role_of(user) -> str:
    roles = user_roles(user)
    return ADMIN if ADMIN in roles else next(iter(roles), "")


@require_POST
@admin_required
def settings_user_role(request, pk: int):
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise Http404(_("No such user."))
    form = RoleForm(request.POST, prefix=f"u{pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("cockpit:settings_users")
    try:
        set_user_role(user, role=form.cleaned_data["role"], actor=Actor.for_user(request.user))
    except PermissionDenied:
        messages.error(request, _("You cannot take the admin role from yourself."))
    else:
        messages.success(request, _("Role of %(user)s saved.") % {"user": user.get_username()})
    return redirect("cockpit:settings_users")


# --- account ------------------------------------------------------------------------------------


class PasswordChangeDone(auth_views.PasswordChangeDoneView):
    template_name = "cockpit/password_change_done.html"


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "cockpit/password_change.html"
    success_url = reverse_lazy("cockpit:password_change_done")


def _next_url(request, default: str) -> str:
    """Where to go back after an action: a local path from the form, or ``default``."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
