"""The dbt docs site as a person sees it in a browser: served by `make docs-serve`, rendered by
its own JavaScript in headless Chromium, with the marts, the exposures and the lineage graph."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from helpers.marts import MARTS
from PIL import Image

from browser.headless_chromium import Chromium
from browser.html_reading import visible_text
from browser.sample_site import SCREENSHOTS, SampleSite
from warehouse.docs_server import make_server

EXPOSURES = ("Metrics API (HTTP service)", "Signed daily export", "KPI report")


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
