"""The dbt docs site as a person sees it in a browser: served by `make docs-serve`, rendered by
its own JavaScript in headless Chromium, with the marts, the exposures, the metrics of the
semantic layer and the lineage graph."""

from __future__ import annotations

import html
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import yaml
from helpers.marts import MARTS
from PIL import Image

from browser.headless_chromium import Chromium
from browser.html_reading import visible_text
from browser.sample_site import SCREENSHOTS, SampleSite
from warehouse.catalog import METRICS_YAML
from warehouse.docs_server import make_server

EXPOSURES = ("Metrics API (HTTP service)", "Signed daily export", "KPI report")
# The metrics as the semantic layer declares them, not as the site or its manifest has them: a
# metric missing from the site fails here.
METRICS = {m["name"]: m for m in yaml.safe_load(METRICS_YAML.read_text())["metrics"]}
SEMANTIC_MODEL = "campaign_days"


@pytest.fixture(scope="module")
def docs_url(sample_site: SampleSite) -> Iterator[str]:
    """The site served as `make docs-serve` serves it, on a free 127.0.0.1 port."""
    server = make_server(sample_site.docs_page, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def overview_dom(chromium: Chromium, docs_url: str) -> str:
    return chromium.dump_dom(docs_url + "#!/overview")


def test_overview_shows_the_project_and_every_mart(overview_dom: str) -> None:
    text = visible_text(overview_dom)
    # The overview doc block, rendered from Markdown by the page's JavaScript.
    assert "Daily marketing metrics from two upstream APIs" in text
    for mart in MARTS:
        assert f"marts.{mart}" in text, f"the overview table does not show marts.{mart}"
    assert "Rerun a window" in text and "make load SINCE=2025-08-01" in text
    # The project tree in the sidebar links every mart.
    for mart in MARTS:
        assert f'href="#!/model/model.admira.{mart}"' in overview_dom


def test_sidebar_lists_the_exposures(overview_dom: str) -> None:
    # The sidebar splits names into highlight spans ("Sign" "ed daily export"): compare
    # without white space.
    text = "".join(visible_text(overview_dom).split())
    for label in EXPOSURES:
        assert "".join(label.split()) in text, f"exposure {label!r} not in the sidebar"
    assert 'data-nav-unique-id="exposure.admira.metrics_api"' in overview_dom


def test_sidebar_lists_every_metric_by_label(overview_dom: str) -> None:
    assert len(METRICS) >= 21 and {"roas", "ctr", "spend_trailing_7d", "roas_mom"} <= set(METRICS)
    # Each metric's link in the sidebar's Metrics section: its id, and its label as the title.
    listed = set()
    for tag in re.findall(r'<a\b[^>]*data-nav-unique-id="metric\.admira\.\w+"[^>]*>', overview_dom):
        name = re.search(r'data-nav-unique-id="metric\.admira\.(\w+)"', tag).group(1)
        title = re.search(r'title="([^"]*)"', tag)
        listed.add((name, html.unescape(title.group(1)) if title else None))
    missing = [f"{n} ({m['label']})" for n, m in METRICS.items() if (n, m["label"]) not in listed]
    assert not missing, f"metrics not in the sidebar under their label: {missing}"
    text = "".join(visible_text(overview_dom).split())
    for section in ("Metrics", "SemanticModels"):
        assert section in text, f"no {section} section in the sidebar"
    for metric in METRICS.values():
        assert "".join(metric["label"].split()) in text, f"{metric['label']!r} is not shown"
    assert f'data-nav-unique-id="semantic_model.admira.{SEMANTIC_MODEL}"' in overview_dom


def _page(dom: str) -> str:
    """The page's own content: the routed view, without the sidebar and the search results."""
    start = dom.rfind('ui-view=""')
    assert start >= 0, "the page has no routed view"
    end = dom.find('ng-show="search.is_focused"', start)
    return dom[start : end if end >= 0 else None]


def _inputs(metric: dict) -> set[str]:
    """What a metric's page lists under Depends On: the metrics it combines, or the semantic
    model whose measure it sums."""
    params = metric["type_params"]
    if metric["type"] == "ratio":
        return {f"metric/metric.admira.{params[side]}" for side in ("numerator", "denominator")}
    if metric["type"] == "derived":
        return {f"metric/metric.admira.{m['name']}" for m in params["metrics"]}
    return {f"semantic_model/semantic_model.admira.{SEMANTIC_MODEL}"}


@pytest.mark.parametrize("name", ["roas", "ctr", "spend_trailing_7d", "roas_wow"])
def test_metric_page_shows_its_label_description_and_inputs(
    chromium: Chromium, docs_url: str, name: str
) -> None:
    metric = METRICS[name]
    page = _page(chromium.dump_dom(f"{docs_url}#!/metric/metric.admira.{name}"))
    title = re.search(r"<h1>\s*<span[^>]*>([^<]*)</span>\s*<small>metric</small>", page)
    assert title and html.unescape(title.group(1)) == metric["label"], "no metric page title"
    text = visible_text(page)
    assert f"Metric name {name}" in text
    assert metric["description"] in text, "the description is not on the metric's page"
    in_marts = metric.get("config", {}).get("meta", {}).get("in_marts")
    assert ("in_marts true" in text) == bool(in_marts)
    linked = set(re.findall(r'href="#!/((?:metric|semantic_model)/[\w.]+)"', page))
    assert _inputs(metric) <= linked, f"Depends On lists {linked}"


def test_semantic_model_page_names_the_campaign_marts_history(
    chromium: Chromium, docs_url: str
) -> None:
    uid = f"semantic_model.admira.{SEMANTIC_MODEL}"
    page = _page(chromium.dump_dom(f"{docs_url}#!/semantic_model/{uid}"))
    text = visible_text(page)
    assert f"Semantic Model name {SEMANTIC_MODEL}" in text
    assert "The campaign mart with its archived months: one row per report_date" in text
    assert 'href="#!/model/model.admira.fct_campaign_daily_history"' in page


def test_lineage_graph_is_drawn(chromium: Chromium, docs_url: str) -> None:
    url = docs_url + "#!/model/model.admira.fct_channel_daily?g_v=1"
    dom = chromium.dump_dom(url)
    graph = re.search(r'<div id="cy"[^>]*class="[^"]*cytoscape_container[^"]*"[^>]*>', dom)
    assert graph, "the lineage graph container was not initialised by cytoscape"
    after = dom[graph.end() :]
    assert "<canvas" in after[:5000], "the lineage graph has no drawing canvas"
    assert "Lineage Graph" in visible_text(dom)
    shot = chromium.screenshot(url, SCREENSHOTS / "docs_lineage.png", 1400, 900)
    assert _colours(shot) > 50, "the lineage screenshot is (nearly) blank"


def test_mart_page_describes_every_column(
    chromium: Chromium, docs_url: str, sample_site: SampleSite
) -> None:
    import duckdb

    with duckdb.connect(str(sample_site.paths.snapshot_path), read_only=True) as con:
        columns = [row[0] for row in con.execute("describe marts.fct_channel_daily").fetchall()]
    url = docs_url + "#!/model/model.admira.fct_channel_daily"
    text = visible_text(chromium.dump_dom(url))
    assert "One row per report_date and channel" in text
    for column in columns:
        assert column in text, f"column {column} is not on the mart's page"
    assert "Return on ad spend: revenue / cost; NULL when cost is 0." in text
    shot = chromium.screenshot(url, SCREENSHOTS / "docs_mart.png", 1400, 1400)
    assert _colours(shot) > 20


def test_every_model_and_column_is_described(sample_site: SampleSite) -> None:
    """In the artifacts the site was built from: models, analyses, raw sources and every column
    the warehouse really has."""
    target = sample_site.docs_page.parent
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    described = {**catalog["nodes"], **catalog["sources"]}
    missing = []
    for uid, node in [*manifest["nodes"].items(), *manifest["sources"].items()]:
        if node["resource_type"] not in ("model", "analysis", "source"):
            continue
        if not node["description"].strip():
            missing.append(node["name"])
        columns = described[uid]["columns"] if uid in described else node["columns"]
        for column in columns:
            if not node["columns"].get(column, {}).get("description", "").strip():
                missing.append(f"{node['name']}.{column}")
    assert not missing, f"undescribed: {missing}"
    assert len([n for n in manifest["exposures"].values()]) == 3
    # Every metric, and the semantic model with its dimensions and measures, as the site shows
    # them: a label and a description each; and the metrics are those the YAML declares.
    metrics = {m["name"]: m for m in manifest["metrics"].values()}
    assert set(metrics) == set(METRICS)
    unlabelled = [n for n, m in metrics.items() if not (m.get("label") or "").strip()]
    assert not unlabelled, f"metrics without a label: {unlabelled}"
    undescribed = [n for n, m in metrics.items() if not (m.get("description") or "").strip()]
    assert not undescribed, f"metrics without a description: {undescribed}"
    models = {m["name"]: m for m in manifest["semantic_models"].values()}
    assert set(models) == {SEMANTIC_MODEL, "attribution_days"}  # the models compared, apart
    for name, model in models.items():
        assert model["description"].strip(), name
        for item in [*model["dimensions"], *model["measures"]]:
            assert (item.get("description") or "").strip(), f"{name}.{item['name']}"
    # The raw sources live in the raw file: the catalog found their columns there too.
    sources = catalog["sources"]
    assert set(sources) == set(manifest["sources"]) and len(sources) == 6
    for uid, source in sources.items():
        assert source["metadata"]["database"] == "raw_layer", uid
        assert len(source["columns"]) >= 3, uid


def test_server_serves_the_page_only(docs_url: str) -> None:
    with urllib.request.urlopen(docs_url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/html")
        page = response.read().decode()
    assert '"send_anonymous_usage_stats": false' in page, "the page would load a web tracker"
    for private in ("manifest.json", "run_results.json", "compiled/"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(docs_url + private, timeout=10)
        assert error.value.code == 404


def _colours(png) -> int:
    with Image.open(png) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
