"""The example queries of dbt_project/analyses as an analyst runs them on the snapshot."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import REPO_ROOT

ANALYSES = REPO_ROOT / "dbt_project" / "analyses"
# Every analysis reads marts only; a ref to anything else must be added here on purpose.
SCHEMA_OF = {
    "fct_campaign_daily": "marts",
    "fct_funnel_daily": "marts",
    "fct_channel_daily": "marts",
}


def analysis_files() -> list[Path]:
    return sorted(ANALYSES.glob("*.sql"))


def as_plain_sql(path: Path) -> str:
    """The analysis with each {{ ref('model') }} spelled schema.model, as in docs/querying.md."""

    def plain(match: re.Match) -> str:
        model = match.group(1)
        assert model in SCHEMA_OF, f"{path.name}: ref to {model}, not a mart"
        return f"{SCHEMA_OF[model]}.{model}"

    text = re.sub(r"\{\{\s*ref\(\s*'(\w+)'\s*\)\s*\}\}", plain, path.read_text())
    assert "{{" not in text and "{%" not in text, f"{path.name}: Jinja left after the refs"
    return text.strip()
