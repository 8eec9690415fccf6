"""What the warehouse holds, listed once: the marts with their grains, the measures, the KPI
ratios and the e-mail pattern. Every Python reader (build, summary, report, service, retention,
bench, tests) imports them from here.

The UTM triple, the measures and the e-mail pattern are dbt vars (dbt_project/dbt_project.yml);
the ratios are the semantic layer's ratio metrics marked `in_marts`
(models/marts/semantic/_semantic__metrics.yml), which macro kpi_ratios reads the same way: the
SQL of the models, MetricFlow and this module read one declaration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
_VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]

UTMS = tuple(_VARS["utm_columns"])
ADS_MEASURES = tuple(_VARS["ads_measures"])
CRM_MEASURES = tuple(_VARS["crm_measures"])
MEASURES = ADS_MEASURES + CRM_MEASURES
# The attribution models (CONTRACT §4), in the order the comparison mart and the report list them.
ATTRIBUTION_MODELS = tuple(_VARS["attribution_models"])


@dataclass(frozen=True)
class Ratio:
    """A KPI: sum the numerator, sum the denominator, divide; NULL when the denominator is 0."""

    name: str
    numerator: str
    denominator: str


METRICS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "semantic" / "_semantic__metrics.yml"


def _mart_ratios(metrics: list[dict]) -> tuple[Ratio, ...]:
    """Each ratio metric marked in_marts, its numerator and denominator as the measures of the
    simple metrics it divides, in the YAML's order (as macro kpi_ratios reads dbt's graph)."""
    measure_of = {m["name"]: m["type_params"]["measure"] for m in metrics if m["type"] == "simple"}
    return tuple(
        Ratio(
            m["name"],
            measure_of[m["type_params"]["numerator"]],
            measure_of[m["type_params"]["denominator"]],
        )
        for m in metrics
        if m["type"] == "ratio" and m.get("config", {}).get("meta", {}).get("in_marts")
    )


RATIOS = _mart_ratios(yaml.safe_load(METRICS_YAML.read_text())["metrics"])
RATIO_NAMES = tuple(ratio.name for ratio in RATIOS)
RATIO_BY_NAME = {ratio.name: ratio for ratio in RATIOS}


@dataclass(frozen=True)
class Mart:
    name: str
    grain: tuple[str, ...]  # the unique key, in the order the rows are sorted

    @property
    def relation(self) -> str:
        return f"marts.{self.name}"

    @property
    def history(self) -> str:
        """The view over its hot rows and its archived months (dbt models/marts/history/)."""
        return f"{self.name}_history"


MARTS = (
    Mart("fct_campaign_daily", ("report_date", "channel", "campaign_id", *UTMS)),
    Mart("fct_funnel_daily", ("report_date", *UTMS)),
    Mart("fct_channel_daily", ("report_date", "channel")),
)
MART_NAMES = tuple(mart.name for mart in MARTS)
MART_BY_NAME = {mart.name: mart for mart in MARTS}
# The comparison of the attribution models: the campaign mart once per model. Not in MARTS
# (no history view; retention archives it by name): readers that want it name it.
ATTRIBUTION_MART = Mart("fct_attribution_daily", ("attribution_model", *MARTS[0].grain))
# The attribution audit: Ads and CRM per day and UTM triple, and whether they met.
TRACKING_HEALTH = "audit.tracking_health"

# What looks like an e-mail address, wherever it must not appear (RE2, Java and Python syntax).
EMAIL_PATTERN: str = _VARS["email_pattern"]
# A match may only start where a run of address characters starts: without the look-behind a
# long text with no `@` costs quadratic time (docs/decisions.md).
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])" + EMAIL_PATTERN)


def redact_emails(text: str) -> str:
    """Text that leaves Admira (an answer, an alert, a log line) with no e-mail address in it."""
    return EMAIL.sub("<e-mail redacted>", text)


def safe_ratio_sql(
    ratio: Ratio, numerator: str | None = None, denominator: str | None = None
) -> str:
    """SQL of a ratio over two expressions (by default the summed columns), as the dbt macro
    safe_divide computes it: NULL when the denominator is 0, or when the quotient overflows."""
    num = numerator or f"sum({ratio.numerator})"
    den = denominator or f"sum({ratio.denominator})"
    quotient = f"cast({num} as double) / {den}"
    return (
        f"case when coalesce({den}, 0) = 0 then null "
        f"when abs({quotient}) > 1e300 then null else {quotient} end"
    )
