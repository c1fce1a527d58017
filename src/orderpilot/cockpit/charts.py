"""Server-side SVG charts of the KPI page (pygal), inlined into the page without any script.

pygal adds a ``<script>`` with its tooltip configuration and, by default, links its tooltip script
from a CDN; both are switched off, so a chart is plain SVG that works offline and under a strict
content security policy. Each chart is shown beside a table with the same numbers for screen readers.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from .kpis import Kpis

STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#57606a",
    font_family="system-ui, sans-serif",
    colors=("#17324d", "#f5a623", "#2e8b57", "#c0392b", "#6c5ce7", "#00838f", "#8d6e63"),
    title_font_size=16,
    label_font_size=12,
    legend_font_size=12,
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _config(**extra) -> dict:
    return {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 760,
        "height": 320,
        "explicit_size": False,
        "print_values": False,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "no_data_text": "–",
        **extra,
    }


def render_svg(chart) -> str:
    """The chart as inline SVG without any script element."""
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def orders_per_day_chart(kpis: Kpis, *, title: str) -> str:
    chart = pygal.StackedBar(**_config(x_label_rotation=45, show_minor_x_labels=False))
    chart.title = title
    chart.x_labels = [day.strftime("%d.%m.") for day in kpis.days_list]
    chart.x_labels_major = chart.x_labels[:: max(1, len(chart.x_labels) // 10)]
    for channel, counts in kpis.orders_per_day.items():
        chart.add(channel, counts)
    return render_svg(chart)


def rates_chart(kpis: Kpis, *, title: str, labels: tuple[str, str, str]) -> str:
    chart = pygal.Bar(**_config(range=(0, 100), value_formatter=lambda v: f"{v:.1f} %"))
    chart.title = title
    chart.x_labels = [row.channel for row in kpis.by_channel]
    automation, late, tracking = labels
    chart.add(automation, [row.automation.percent for row in kpis.by_channel])
    chart.add(late, [row.late.percent for row in kpis.by_channel])
    chart.add(tracking, [row.tracking.percent for row in kpis.by_channel])
    return render_svg(chart)


def confirmation_chart(kpis: Kpis, *, title: str, series: str) -> str:
    chart = pygal.Bar(**_config(show_legend=False))
    chart.title = title
    chart.x_labels = [label for label, _count in kpis.confirmation.buckets]
    chart.add(series, [count for _label, count in kpis.confirmation.buckets])
    return render_svg(chart)


def tickets_chart(kpis: Kpis, *, title: str, series: str) -> str:
    chart = pygal.HorizontalBar(**_config(show_legend=False))
    chart.title = title
    chart.x_labels = [label for label, _n in kpis.tickets_by_reason]
    if kpis.tickets_by_reason:
        chart.add(series, [n for _label, n in kpis.tickets_by_reason])
    return render_svg(chart)


def unpaid_chart(kpis: Kpis, *, title: str, series: str) -> str:
    chart = pygal.Bar(**_config(show_legend=False, value_formatter=lambda v: f"{v:,.2f}"))
    chart.title = title
    chart.x_labels = [bucket.label for bucket in kpis.unpaid_by_age]
    chart.add(series, [float(bucket.amount) for bucket in kpis.unpaid_by_age])
    return render_svg(chart)
