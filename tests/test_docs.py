"""The README and docs/ stay true: every setting the code reads is in the settings table of
docs/operations.md, the example queries of docs/querying.md are the shipped dbt analyses, every
`make` target they name exists, the README stays short and starts with the two set-up commands,
and every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers.analyses_sql import analysis_files, as_plain_sql

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
SETTINGS_PAGE = DOCS / "operations.md"
QUERIES_PAGE = DOCS / "querying.md"
README_MAX_LINES = 250
CODE_DIRS = ("load", "warehouse", "semantic", "scheduler", "spark", "report", "service", "bench")
CONFIG_FILES = ("profiles.yml", "dbt_project/dbt_project.yml")
# A setting is read through os.environ / os.getenv or a settings helper (_float("NAME"), ...).
PY_SETTING = re.compile(
    r"""(?:environ\.get|environ\[|getenv|\b_[a-z]+)\(?\s*["']([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,})["']"""
)
DBT_SETTING = re.compile(r"env_var\(\s*['\"]([A-Z][A-Z0-9_]+)['\"]")
TABLE_SETTING = re.compile(r"^\| `([A-Z][A-Z0-9_]+)` \|", re.M)
FENCED = re.compile(r"^```[^\n]*\n.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


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


def section(text: str, heading: str) -> str:
    parts = text.split(f"\n## {heading}\n", 1)
    assert len(parts) == 2, f"no '## {heading}' section"
    return parts[1].split("\n## ", 1)[0]


def test_the_scan_finds_the_known_settings() -> None:
    """Guards the scan itself: it must see settings read each way."""
    found = settings_read_by_the_code()
    for known in ("DUCKDB_PATH", "HTTP_TIMEOUT_SECONDS", "REPORT_PATH", "DOCS_PORT"):
        assert known in found, f"the scan misses {known}"


def test_every_setting_is_in_a_docs_table() -> None:
    documented = {name for page in pages() for name in TABLE_SETTING.findall(page.read_text())}
    missing = {
        name: where for name, where in settings_read_by_the_code().items() if name not in documented
    }
    assert not missing, f"settings read by the code but in no table of the docs: {missing}"


def test_the_settings_table_lists_every_setting() -> None:
    listed = set(TABLE_SETTING.findall(section(SETTINGS_PAGE.read_text(), "Settings")))
    missing = sorted(set(settings_read_by_the_code()) - listed)
    assert not missing, f"missing from the Settings table of docs/operations.md: {missing}"


def test_example_queries_are_the_shipped_analyses() -> None:
    blocks = re.findall(r"```sql\n(.*?)```", QUERIES_PAGE.read_text(), re.S)
    assert analysis_files(), "no dbt analyses found"
    for path in analysis_files():
        sql = as_plain_sql(path)
        assert any(sql in block for block in blocks), f"{path.name} is not in querying.md as is"


def make_targets_named(text: str) -> set[str]:
    """`make X` in code: inline code spans and fenced blocks (the command listings)."""
    code = FENCED.findall(text) + INLINE_CODE.findall(FENCED.sub("", text))
    return {target for snippet in code for target in re.findall(r"\bmake ([a-z][a-z-]*)", snippet)}


def test_every_make_target_named_in_the_docs_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = {page.name: make_targets_named(page.read_text()) for page in pages()}
    assert named["README.md"], "the README names no make target"
    unknown = {name: sorted(found - targets) for name, found in named.items() if found - targets}
    assert not unknown, f"named in the docs but not in the Makefile: {unknown}"


def test_the_readme_is_short_and_starts_with_the_two_set_up_commands() -> None:
    text = README.read_text()
    lines = len(text.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines, at most {README_MAX_LINES}"
    first_block = FENCED.search(text)
    assert first_block, "the README has no code block"
    commands = [line.split("#")[0].strip() for line in first_block.group(0).splitlines()[1:-1]]
    assert commands == ["make run", "make test"], commands


def github_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, repeats numbered."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCED.sub("", text), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def relative_links(page: Path) -> list[str]:
    prose = INLINE_CODE.sub("", FENCED.sub("", page.read_text()))
    return [t for t in LINK.findall(prose) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(REPO)}")
        elif anchor and file.suffix == ".md" and anchor not in github_anchors(file.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(REPO)}")
    assert not broken, f"{page.relative_to(REPO)}: broken links: {broken}"


def test_the_link_check_sees_links() -> None:
    """Guards the link check: the README links into docs/."""
    assert any(t.startswith("docs/") for t in relative_links(README))
