"""The README stays true: every setting the code reads is in one of its tables, its example
queries are the shipped dbt analyses, and every `make` target it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from analyses_sql import analysis_files, as_plain_sql

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
CODE_DIRS = ("load", "warehouse", "spark", "report", "service", "bench")
CONFIG_FILES = ("profiles.yml", "dbt_project/dbt_project.yml")
# A setting is read through os.environ / os.getenv or a settings helper (_float("NAME"), ...).
PY_SETTING = re.compile(
    r"""(?:environ\.get|environ\[|getenv|\b_[a-z]+)\(?\s*["']([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,})["']"""
)
DBT_SETTING = re.compile(r"env_var\(\s*['\"]([A-Z][A-Z0-9_]+)['\"]")


def settings_read_by_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            for name in PY_SETTING.findall(path.read_text()):
                found.setdefault(name, str(path.relative_to(REPO)))
    for name in CONFIG_FILES:
        path = REPO / name
        for setting in DBT_SETTING.findall(path.read_text()):
            found.setdefault(setting, name)
    return found


def test_the_scan_finds_the_known_settings() -> None:
    """Guards the scan itself: it must see settings read each way."""
    found = settings_read_by_the_code()
    for known in ("DUCKDB_PATH", "HTTP_TIMEOUT_SECONDS", "REPORT_PATH", "DOCS_PORT"):
        assert known in found, f"the scan misses {known}"


def test_every_setting_is_in_a_readme_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, re.M))
    missing = {
        name: where for name, where in settings_read_by_the_code().items() if name not in documented
    }
    assert not missing, f"settings read by the code but in no README table: {missing}"


def test_settings_section_lists_every_setting() -> None:
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, re.M))
    missing = sorted(set(settings_read_by_the_code()) - listed)
    assert not missing, f"missing from the README's Settings table: {missing}"


def test_example_queries_are_the_shipped_analyses() -> None:
    blocks = re.findall(r"```sql\n(.*?)```", README, re.S)
    for path in analysis_files():
        sql = as_plain_sql(path)
        assert any(sql in block for block in blocks), f"{path.name} is not in the README as is"


def test_every_make_target_named_in_the_readme_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert named, "the README names no make target"
    assert named <= targets, f"named in the README but not in the Makefile: {named - targets}"
