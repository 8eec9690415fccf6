"""The report page: one self-contained HTML file (inline CSS and SVG, no scripts).

Every number is printed from the value the marts gave, and the value itself rides along in a
`data-value` attribute, so a reader (or a test) can check the page against the marts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from report import charts
from report.kpis import Kpis
from report.run_state import RunState

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = "–"  # a NULL ratio (denominator 0) is shown as a dash, never as 0


def money(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.2f}"


def count(value: float | None) -> str:
    """Whole numbers without decimals; click-share splits (fractional leads) with one."""
    if value is None:
        return MISSING
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def ratio(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.2f}"


def percent(value: float | None) -> str:
    return MISSING if value is None else f"{value * 100:.1f}%"


FORMATS = {"money": money, "count": count, "ratio": ratio, "percent": percent}


def cell(value: float | None, kind: str) -> Markup:
    """A numeric table cell: the formatted number, and the exact value in data-value."""
    raw = "" if value is None else repr(value)
    text = FORMATS[kind](value)
    return Markup(f'<td class="num" data-value="{escape(raw)}">{escape(text)}</td>')


def render_page(
    kpis: Kpis, state: RunState, snapshot: Path, published_at: dt.datetime, now: dt.datetime
) -> str:
    """The whole page as HTML text."""
    colors = charts.channel_colors([c.channel for c in kpis.channels])
    per = "per day" if kpis.grain == "day" else "per week"
    over_time = [
        charts.over_time_chart(
            kpis.over_time, lambda p: p.spend, f"Spend by channel {per}", _short_money, colors
        ),
        charts.over_time_chart(
            kpis.over_time, lambda p: p.leads, f"Leads by channel {per}", _short_number, colors
        ),
        charts.over_time_chart(
            kpis.over_time,
            lambda p: p.revenue,
            f"Closed-won revenue by channel {per}",
            _short_money,
            colors,
        ),
        charts.over_time_chart(
            kpis.over_time,
            lambda p: p.roas_to_date,
            f"ROAS to date by channel, {per}",
            lambda y: f"{y:g}",
            colors,
        ),
    ]
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FORMATS)
    env.globals.update(
        cell=cell, fmt=lambda v, kind: FORMATS[kind](v), channel_label=charts.channel_label
    )
    template = env.get_template("kpi_report.html.j2")
    return template.render(
        kpis=kpis,
        state=state,
        snapshot=snapshot,
        published_at=published_at,
        now=now,
        age_hours=state.age_hours(now),
        freshness_status=state.freshness_status(now),
        freshness_tables=[
            (table.state(now.timestamp()), table.describe(now.timestamp()))
            for table in (state.freshness.tables if state.freshness else ())
        ],
        over_time_charts=[Markup(svg) for svg in over_time],
        funnel_chart=Markup(charts.funnel_chart(kpis.funnel)) if kpis.funnel else None,
        funnel_shown=min(len(kpis.funnel), charts.FUNNEL_CAMPAIGNS),
        roas_chart=(
            Markup(charts.roas_ranking_chart(kpis.top_campaigns, kpis.bottom_campaigns, colors))
            if kpis.top_campaigns
            else None
        ),
    )


def _short_money(value: float) -> str:
    return f"{value / 1000:g}k" if abs(value) >= 1000 else f"{value:g}"


def _short_number(value: float) -> str:
    return f"{value:g}"
