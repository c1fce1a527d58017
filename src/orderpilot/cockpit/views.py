"""Cockpit pages: thin views over the selectors."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from orderpilot.api.selectors import order_detail_queryset, order_list
from orderpilot.orders.states import OrderStatus


def board(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    orders = order_list(search=query, status=status).select_related("channel", "customer")
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cockpit/board.html",
        {"page": page, "q": query, "status": status, "statuses": OrderStatus.choices},
    )


def order_detail(request, pk: int):
    order = get_object_or_404(order_detail_queryset(), pk=pk)
    return render(request, "cockpit/order.html", {"order": order})
