"""Reading the catalogue: products by SKU, once per job run."""

from __future__ import annotations

from collections.abc import Iterable

from orderpilot.core.runcache import run_memo

from .models import Product


def products_by_sku(skus: Iterable[str]) -> dict[str, Product]:
    """The products (active or not) with these SKUs; a SKU without a product is not in the result.

    Inside a job run each SKU is looked up once, whether it exists or not (one query for the SKUs
    not seen yet in this run); the next run reads the catalogue again. The products returned are
    the run's shared instances: read them, do not change them.
    """
    wanted = set(skus)
    memo = run_memo("catalog.products_by_sku")
    if memo is None:
        return {p.sku: p for p in Product.objects.filter(sku__in=wanted)} if wanted else {}
    missing = wanted - memo.keys()
    if missing:
        found = {p.sku: p for p in Product.objects.filter(sku__in=missing)}
        memo.update({sku: found.get(sku) for sku in missing})
    return {sku: memo[sku] for sku in wanted if memo[sku] is not None}


def active_skus(skus: Iterable[str]) -> set[str]:
    """Which of ``skus`` are active products (an order line with any other SKU is unknown)."""
    return {sku for sku, product in products_by_sku(skus).items() if product.active}
