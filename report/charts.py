"""The report's charts: matplotlib figures rendered to inline SVG (no JavaScript, no CDN).

Text stays text in the SVG (`svg.fonttype: none`), so titles, legends and labels can be read,
searched and copied like the rest of the page. Figures are built without pyplot's global state.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

import matplotlib
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from report.kpis import CampaignFunnel, CampaignRoas, ChannelPeriod

UNATTRIBUTED = "(unattributed)"  # how the page names channel '' (CRM with no Ads that day)
FUNNEL_CAMPAIGNS = 12  # the funnel chart shows the campaigns with the most leads
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "admira-report",  # stable element ids: the same data gives the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
GREY = "#7f7f7f"


def channel_label(channel: str) -> str:
    return channel or UNATTRIBUTED


def channel_colors(channels: Sequence[str]) -> dict[str, str]:
    """One colour per channel, the same in every chart; the unattributed row is grey."""
    named = sorted({c for c in channels if c})
    colors = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(named)}
    colors[""] = GREY
    return colors


def over_time_chart(
    periods: Sequence[ChannelPeriod],
    value: Callable[[ChannelPeriod], float | None],
    title: str,
    unit: Callable[[float], str],
    colors: dict[str, str],
) -> str:
    """One line per channel over the report period (gaps where the value is NULL)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6.4, 3.0), layout="constrained")
        ax = fig.subplots()
        for channel in sorted({p.channel for p in periods}, key=channel_label):
            points = [(p.period, value(p)) for p in periods if p.channel == channel]
            if all(v is None for _, v in points):
                continue  # e.g. ROAS of the unattributed row: no spend, no ROAS
            xs = [x for x, _ in points]
            ys = [float("nan") if v is None else v for _, v in points]
            ax.plot(
                xs,
                ys,
                label=channel_label(channel),
                color=colors[channel],
                linewidth=1.6,
                marker="o",
                markersize=2.5,
            )
        ax.set_title(title)
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: unit(y)))
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return _svg(fig)


def funnel_chart(funnel: Sequence[CampaignFunnel]) -> str:
    """Leads, opportunities and deals won per campaign, side by side (most leads on top)."""
    shown = list(funnel[:FUNNEL_CAMPAIGNS])[::-1]  # barh draws bottom-up
    stages = (
        ("leads", "Leads", "#9ecae1"),
        ("opportunities", "Opportunities", "#4292c6"),
        ("closed_won", "Closed won", "#08519c"),
    )
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8.0, 0.34 * len(shown) + 1.2), layout="constrained")
        ax = fig.subplots()
        height = 0.26
        for i, (attr, label, color) in enumerate(stages):
            ys = [n + (1 - i) * height for n in range(len(shown))]
            ax.barh(ys, [getattr(c, attr) for c in shown], height=height, label=label, color=color)
        ax.set_yticks(range(len(shown)), [c.utm_campaign for c in shown])
        ax.set_title(f"Funnel by campaign (top {len(shown)} by leads)")
        ax.set_xlabel("CRM opportunities (any stage) in the period")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", frameon=False)
        return _svg(fig)


def roas_ranking_chart(
    top: Sequence[CampaignRoas], bottom: Sequence[CampaignRoas], colors: dict[str, str]
) -> str:
    """The best and the worst campaigns by ROAS, with the break-even line at 1."""
    ranked = list(top) + list(bottom)
    shown = ranked[::-1]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8.0, 0.3 * len(shown) + 1.2), layout="constrained")
        ax = fig.subplots()
        bars = ax.barh(
            range(len(shown)),
            [c.roas for c in shown],
            color=[colors.get(c.channel, GREY) for c in shown],
        )
        ax.bar_label(bars, labels=[f"{c.roas:.2f}" for c in shown], padding=3, fontsize=8)
        ax.set_yticks(range(len(shown)), [f"{c.campaign_id} · {c.channel}" for c in shown])
        ax.axvline(1.0, color="#444444", linestyle="--", linewidth=1, label="break-even (ROAS 1)")
        ax.legend(loc="lower right", frameon=False)
        if top and bottom:
            ax.axhline(len(bottom) - 0.5, color="#bbbbbb", linewidth=0.8)
        ax.set_title("Campaigns by ROAS: top and bottom")
        ax.set_xlabel("ROAS = closed-won revenue / spend")
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.12)
        return _svg(fig)


def _svg(fig: Figure) -> str:
    """The figure as an <svg> element that scales with the page (no XML prologue)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg") :]
    # Keep the viewBox, drop the fixed size: CSS sizes the chart.
    return re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
