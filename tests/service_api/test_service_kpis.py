"""`GET /kpis` and `GET /kpis/query` of the real service on a real built warehouse (the shipped
sample, loaded and built once for the module): the catalog against the metrics YAML, the rows
against this test's own SQL over the snapshot's marts, the names-only rule with hostile values,
the limit and date bounds, the contract's schemas, and a snapshot replaced while queries run.

The expected values are written here from the metric definitions (docs/contract.md §4: sum, then
divide, NULL when the denominator is 0), never taken from the product's code.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path

import duckdb
import jsonschema
import pytest
import yaml
from helpers import REPO_ROOT
from helpers.payloads import ads, crm
from helpers.warehouse_harness import Warehouse
from service_harness import ServiceProcess

METRICS_YAML = (
    REPO_ROOT / "dbt_project" / "models" / "marts" / "semantic" / "_semantic__metrics.yml"
)
DOCUMENT = json.loads((REPO_ROOT / "contracts" / "service.openapi.json").read_text())
EMAIL = "jane.doe@example.com"
ROAS_BY_WEEK_AND_CHANNEL = (
    "/kpis/query?metrics=roas,spend&group_by=metric_time__week,campaign_day__channel"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """The shipped sample loaded and built once, and the service on it."""
    warehouse = Warehouse(tmp_path_factory.mktemp("service-kpis"))
    assert warehouse.load(None, None)["status"] == "ok"
    warehouse.build()
    service = ServiceProcess(warehouse.root, DUCKDB_PATH=str(warehouse.paths.duckdb_path)).start(
        timeout=60
    )
    try:
        yield service, warehouse
    finally:
        service.stop()


def snapshot_rows(warehouse: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse.paths.snapshot_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def conforms(path: str, response) -> None:
    """The answer's status is documented for GET `path`, and its body is valid against it."""
    responses = DOCUMENT["paths"][path]["get"]["responses"]
    status = str(response.status_code)
    assert status in responses, f"GET {path} answered {status}: {response.text[:500]}"
    schema = responses[status]["content"]["application/json"]["schema"]
    jsonschema.validate(
        response.json(),
        {**schema, "components": DOCUMENT["components"]},
        cls=jsonschema.Draft202012Validator,
    )


def get_rows(service: ServiceProcess, target: str) -> list[dict]:
    response = service.get(target)
    assert response.status_code == 200, response.text
    conforms("/kpis/query", response)
    body = response.json()
    assert body["count"] == len(body["data"])
    return body["data"]


def refused(service: ServiceProcess, target: str, parameter: str) -> dict:
    """A 400 naming `parameter`, in the documented form."""
    response = service.get(target)
    assert response.status_code == 400, f"{target[:200]}: {response.status_code} {response.text}"
    conforms(target.split("?")[0], response)
    body = response.json()
    assert body["parameter"] == parameter, (target[:200], body)
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def yaml_metrics() -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(METRICS_YAML.read_text())["metrics"]}


def keyed(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, dict]:
    """Rows by their group-by values (each group once)."""
    out = {tuple(row[k] for k in keys): row for row in rows}
    assert len(out) == len(rows), "a group came twice"
    return out


def assert_close(actual, expected) -> None:
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


# --- (a) the catalog -------------------------------------------------------------------------


def test_the_catalog_lists_every_metric_of_the_yaml(site):
    service, _ = site
    response = service.get("/kpis")
    assert response.status_code == 200, response.text
    conforms("/kpis", response)
    body = response.json()
    declared = yaml_metrics()
    assert [m["name"] for m in body["metrics"]] == sorted(declared)
    for metric in body["metrics"]:
        assert metric["label"] == declared[metric["name"]]["label"]
        assert metric["description"] == declared[metric["name"]]["description"]
    assert {"metric_time__week", "campaign_day__channel", "campaign_day__utm_campaign"} <= set(
        body["dimensions"]
    )
    assert {f"metric_time__{g}" for g in ("day", "week", "month", "quarter", "year")} <= set(
        body["dimensions"]
    )


def test_the_catalog_takes_no_parameter(site):
    service, _ = site
    body = refused(service, "/kpis?metrics=roas", "metrics")
    assert "takes no parameter" in body["error"]


def test_the_contract_lists_the_names_the_catalog_has(site):
    """The contract's patterns enumerate the names: they must be the manifest's, no more."""
    service, _ = site
    catalog = service.get("/kpis").json()
    metrics = [m["name"] for m in catalog["metrics"]]
    parameters = {p["name"]: p for p in DOCUMENT["paths"]["/kpis/query"]["get"]["parameters"]}

    def alternatives(name: str) -> set[str]:
        found = re.fullmatch(
            r"\^(?:-\?)?\(\?:([a-z0-9_|]+)\)\(\?:,.*\)\*\$", parameters[name]["schema"]["pattern"]
        )
        assert found, parameters[name]["schema"]["pattern"]
        return set(found.group(1).split("|"))

    assert alternatives("metrics") == set(metrics)
    assert alternatives("group_by") == set(catalog["dimensions"])
    assert alternatives("order") == set(metrics) | set(catalog["dimensions"])
    assert parameters["metrics"]["required"] is True


# --- (b) the rows equal this test's SQL ------------------------------------------------------

EXPECTED_BY_WEEK_AND_CHANNEL = """
    select strftime(date_trunc('week', report_date)::date, '%Y-%m-%d') as week, channel,
           case when sum(cost) = 0 then null else sum(revenue) / sum(cost) end as roas,
           sum(cost) as spend
    from marts.fct_channel_daily
    {where}
    group by all
"""


def test_roas_and_spend_by_week_and_channel_equal_the_marts(site):
    service, warehouse = site
    rows = get_rows(service, ROAS_BY_WEEK_AND_CHANNEL)
    for row in rows:
        assert set(row) == {"roas", "spend", "metric_time__week", "campaign_day__channel"}
    got = keyed(rows, ("metric_time__week", "campaign_day__channel"))
    expected = {
        (week, channel): (roas, spend)
        for week, channel, roas, spend in snapshot_rows(
            warehouse, EXPECTED_BY_WEEK_AND_CHANNEL.format(where="")
        )
    }
    assert set(got) == set(expected)
    for key, (roas, spend) in expected.items():
        assert_close(got[key]["roas"], roas)
        assert_close(got[key]["spend"], spend)
    # The sample has weeks without spend (CRM groups no Ads row matched): their ROAS is null.
    assert any(roas is None for roas, _ in expected.values())
    assert any(roas is not None for roas, _ in expected.values())


def test_order_sorts_by_the_names_given(site):
    service, warehouse = site
    rows = get_rows(service, ROAS_BY_WEEK_AND_CHANNEL + "&order=-roas,campaign_day__channel")
    expected = snapshot_rows(
        warehouse,
        f"select * from ({EXPECTED_BY_WEEK_AND_CHANNEL.format(where='')}) "
        "order by roas desc nulls last, channel",
    )
    assert len(rows) == len(expected)
    for row, (_, _, roas, _) in zip(rows, expected, strict=True):
        assert_close(row["roas"], roas)
    assert [r["campaign_day__channel"] for r in rows] == [e[1] for e in expected]
    assert rows[-1]["roas"] is None


def test_totals_without_group_by_are_one_row(site):
    service, warehouse = site
    rows = get_rows(service, "/kpis/query?metrics=spend,revenue,roas,clicks")
    (spend, revenue, clicks) = snapshot_rows(
        warehouse, "select sum(cost), sum(revenue), sum(clicks) from marts.fct_campaign_daily"
    )[0]
    assert len(rows) == 1 and set(rows[0]) == {"spend", "revenue", "roas", "clicks"}
    assert_close(rows[0]["spend"], spend)
    assert_close(rows[0]["roas"], revenue / spend)
    assert_close(rows[0]["clicks"], clicks)


# --- (c) unknown names -----------------------------------------------------------------------


def test_an_unknown_metric_is_a_400_listing_the_metrics(site):
    service, _ = site
    body = refused(service, "/kpis/query?metrics=roas,profit", "metrics")
    assert "profit" in body["error"]
    assert body["known"] == sorted(yaml_metrics())


def test_an_unknown_group_by_is_a_400_listing_the_dimensions(site):
    service, _ = site
    dimensions = service.get("/kpis").json()["dimensions"]
    for name in ("channel", "campaign_day__colour", "metric_time__hour", "metric_time"):
        body = refused(service, f"/kpis/query?metrics=roas&group_by={name}", "group_by")
        assert repr(name) in body["error"]
        assert body["known"] == dimensions


def test_an_order_name_the_query_does_not_have_is_a_400_listing_its_names(site):
    service, _ = site
    for order in ("-clicks", "campaign_day__utm_campaign", "roas,nope", "--roas"):
        body = refused(
            service,
            f"/kpis/query?metrics=roas,spend&group_by=campaign_day__channel&order={order}",
            "order",
        )
        assert body["known"] == ["roas", "spend", "campaign_day__channel"]


def test_metrics_is_required(site):
    service, _ = site
    for target in ("/kpis/query", "/kpis/query?group_by=campaign_day__channel"):
        body = refused(service, target, "metrics")
        assert "metrics is required" in body["error"]


def test_a_name_twice_is_a_400(site):
    service, _ = site
    refused(service, "/kpis/query?metrics=roas,spend,roas", "metrics")
    refused(
        service, "/kpis/query?metrics=roas&group_by=metric_time__week,metric_time__week", "group_by"
    )
    refused(service, "/kpis/query?metrics=roas&order=roas,-roas", "order")


def test_a_metric_that_needs_a_time_is_a_400_without_one(site):
    """Trailing windows and period-over-period changes are per period: without a time in
    group_by MetricFlow cannot plan them (a 400 naming group_by, not a 500)."""
    service, _ = site
    for metric in ("spend_trailing_7d", "roas_wow", "spend_mom"):
        for group_by in ("", "&group_by=campaign_day__channel"):
            body = refused(service, f"/kpis/query?metrics=spend,{metric}{group_by}", "group_by")
            assert metric in body["error"]
        rows = get_rows(service, f"/kpis/query?metrics={metric}&group_by=metric_time__week")
        assert rows and all(set(r) == {metric, "metric_time__week"} for r in rows)


# --- (d) hostile values never reach SQL ------------------------------------------------------

HOSTILE = [
    "'",
    '"',
    "roas'",
    "roas;drop table marts.fct_channel_daily",
    ";drop table marts.fct_channel_daily",
    "roas); drop table marts.fct_channel_daily; --",
    "{{ Dimension('x') }}",
    "{{ Dimension('campaign_day__channel') }}",
    "Dimension('campaign_day__channel')",
    "TimeDimension('metric_time', 'week')",
    "r\u043eas",  # a Cyrillic o
    "roas\u200b",
    "ROAS",
    "\u00e9t\u00e9,\U0001f600",
    "x" * 10_000,
    EMAIL,
    f"roas,{EMAIL}",
    "",
    ",",
    ",,",
    "roas,,spend",
    ",roas",
    "roas,",
    " roas",
    "roas ",
    "roas, spend",
    "-",
    "roas\x00",
    "%",
    "1 or 1=1",
]
VALID = {"metrics": "roas"}


def mart_fingerprint(warehouse: Warehouse, analytics: Path) -> list[tuple]:
    with warehouse.connect(analytics) as con:
        return [
            con.execute(f"select count(*), sum(cost), sum(revenue) from marts.{mart}").fetchone()
            for mart in ("fct_campaign_daily", "fct_channel_daily", "fct_funnel_daily")
        ]


@pytest.mark.parametrize("parameter", ["metrics", "group_by", "order", "from", "to", "limit"])
def test_hostile_values_are_400_and_never_reach_sql(site, parameter):
    service, warehouse = site
    before = {
        path: mart_fingerprint(warehouse, path)
        for path in (warehouse.paths.snapshot_path, warehouse.paths.duckdb_path)
    }
    week_and_channel = ("metric_time__week", "campaign_day__channel")
    answer = keyed(get_rows(service, ROAS_BY_WEEK_AND_CHANNEL), week_and_channel)
    for value in HOSTILE:
        query = {**VALID, parameter: value}
        response = service.get("/kpis/query", params=query)
        assert response.status_code == 400, (parameter, value[:80], response.text)
        conforms("/kpis/query", response)
        body = response.json()
        assert body["parameter"] == parameter, (value[:80], body)
        assert EMAIL not in response.text and "@" not in body["error"]
        assert len(body["error"]) < 1000, "a long value is echoed cut"
    # Hostile parameter names are refused the same way.
    for name in (";drop table marts.fct_channel_daily", EMAIL, "{{ Dimension('x') }}"):
        response = service.get("/kpis/query", params={**VALID, name: "1"})
        assert response.status_code == 400 and EMAIL not in response.text
    after = {
        path: mart_fingerprint(warehouse, path)
        for path in (warehouse.paths.snapshot_path, warehouse.paths.duckdb_path)
    }
    assert after == before, "the marts changed"
    again = keyed(get_rows(service, ROAS_BY_WEEK_AND_CHANNEL), week_and_channel)
    assert again == answer, "the service answers as before"
    events = {record.get("event") for record in service.log_records()}
    assert not events & {"query_failed", "unhandled_error"}, "a value reached SQL or crashed"


# --- (e) limit and dates ---------------------------------------------------------------------


def test_limit_bounds(site):
    service, warehouse = site
    for value in ("0", "10001", "abc", "-1", "1.5", "", " 3", "3 ", "1e3", "٣"):
        refused(
            service, f"/kpis/query?metrics=spend&group_by=metric_time__day&limit={value}", "limit"
        )
    days = snapshot_rows(
        warehouse, "select count(distinct report_date) from marts.fct_campaign_daily"
    )[0][0]
    assert days > 3
    assert (
        len(get_rows(service, "/kpis/query?metrics=spend&group_by=metric_time__day&limit=3")) == 3
    )
    assert (
        len(get_rows(service, "/kpis/query?metrics=spend&group_by=metric_time__day&limit=10000"))
        == days
    )
    # Without a limit, at most 1000 rows.
    grain = ",".join(
        ["metric_time__day"]
        + [f"campaign_day__{n}" for n in ("channel", "campaign_id", "utm_campaign")]
        + [f"campaign_day__{n}" for n in ("utm_source", "utm_medium")]
    )
    total = snapshot_rows(warehouse, "select count(*) from marts.fct_campaign_daily")[0][0]
    assert len(get_rows(service, f"/kpis/query?metrics=spend&group_by={grain}")) == min(total, 1000)


def test_from_and_to_constrain_metric_time(site):
    service, warehouse = site
    rows = get_rows(
        service,
        "/kpis/query?metrics=spend,roas&group_by=metric_time__day&from=2025-07-10&to=2025-07-20",
    )
    expected = snapshot_rows(
        warehouse,
        "select strftime(report_date, '%Y-%m-%d'), sum(cost), "
        "case when sum(cost) = 0 then null else sum(revenue) / sum(cost) end "
        "from marts.fct_campaign_daily where report_date between ? and ? group by all order by 1",
        ["2025-07-10", "2025-07-20"],
    )
    assert len(expected) == 11
    got = keyed(rows, ("metric_time__day",))
    assert sorted(got) == [(day,) for day, _, _ in expected]
    for day, spend, roas in expected:
        assert_close(got[(day,)]["spend"], spend)
        assert_close(got[(day,)]["roas"], roas)
    # Only from, only to.
    first = get_rows(service, "/kpis/query?metrics=spend&group_by=metric_time__day&from=2025-08-05")
    assert min(r["metric_time__day"] for r in first) == "2025-08-05"
    last = get_rows(service, "/kpis/query?metrics=spend&group_by=metric_time__day&to=2025-07-03")
    assert max(r["metric_time__day"] for r in last) == "2025-07-03"
    # A week that has a day in the range counts whole (as documented).
    weeks = get_rows(
        service,
        "/kpis/query?metrics=roas,spend&group_by=metric_time__week,campaign_day__channel"
        "&from=2025-07-09&to=2025-07-16",
    )
    whole = {
        (w, c): (roas, spend)
        for w, c, roas, spend in snapshot_rows(
            warehouse,
            EXPECTED_BY_WEEK_AND_CHANNEL.format(
                where="where date_trunc('week', report_date) in ('2025-07-07', '2025-07-14')"
            ),
        )
    }
    got = keyed(weeks, ("metric_time__week", "campaign_day__channel"))
    assert set(got) == set(whole)
    for key, (roas, spend) in whole.items():
        assert_close(got[key]["spend"], spend)
        assert_close(got[key]["roas"], roas)
    # Outside the data, and outside the days MetricFlow knows: no rows, not an error.
    for bounds in (
        "from=2030-01-01",
        "to=1999-12-31",
        "from=2041-01-01",
        "to=9999-12-31&from=0001-01-01",
    ):
        rows = get_rows(service, f"/kpis/query?metrics=spend&group_by=metric_time__day&{bounds}")
        if bounds.startswith("to=9999"):
            assert len(rows) == len(
                get_rows(service, "/kpis/query?metrics=spend&group_by=metric_time__day")
            )
        else:
            assert rows == []
    assert_the_log_is_json(service)


def assert_the_log_is_json(service: ServiceProcess) -> None:
    """Every line but uvicorn's own is a JSON record: no MetricFlow warning on stderr."""
    for line in service.log_path.read_text().splitlines():
        assert line.startswith(("{", "INFO:", "Serving ")), line


def test_bad_dates_are_400(site):
    service, _ = site
    for name in ("from", "to"):
        for value in (
            "",
            "2025-13-01",
            "2025-7-1",
            "yesterday",
            " 2025-07-01",
            "2025-07-01T00:00:00",
        ):
            refused(service, f"/kpis/query?metrics=spend&{name}={value}", name)
    refused(service, "/kpis/query?metrics=spend&from=2025-07-10&to=2025-07-09", "to")


# --- 503 without a snapshot or a manifest ----------------------------------------------------


def test_no_snapshot_or_no_manifest_is_a_503(site, tmp_path):
    _, warehouse = site
    (tmp_path / "empty").mkdir()
    only_snapshot = tmp_path / "snapshot-only"
    (only_snapshot / "published").mkdir(parents=True)
    shutil.copyfile(warehouse.paths.snapshot_path, only_snapshot / "published" / "warehouse.duckdb")
    for root in (tmp_path / "empty", only_snapshot):
        other = ServiceProcess(root, DUCKDB_PATH=str(root / "warehouse.duckdb")).start(timeout=60)
        try:
            for path, target in (("/kpis", "/kpis"), ("/kpis/query", "/kpis/query?metrics=roas")):
                response = other.get(target)
                assert response.status_code == 503, response.text
                conforms(path, response)
                assert "make build" in response.json()["error"]
        finally:
            other.stop()
    assert not (only_snapshot / "published" / "semantic_manifest.json").exists()


# --- (f) a snapshot replaced while queries run -----------------------------------------------

WHILE_BUILDING = (
    "/kpis/query?metrics=spend,revenue,roas&group_by=metric_time__day,campaign_day__channel"
)


def by_day_and_channel(rows: list[dict]) -> dict[tuple, tuple]:
    return {
        (r["metric_time__day"], r["campaign_day__channel"]): (r["spend"], r["revenue"], r["roas"])
        for r in rows
    }


def test_a_new_snapshot_replaces_the_old_while_queries_run(site):
    """Runs last: it loads a new day into the module's warehouse. Every answer during the load
    and build is a 200 with the old build's rows or the new build's, whole; then the new."""
    service, warehouse = site
    old = by_day_and_channel(get_rows(service, WHILE_BUILDING))
    manifest = warehouse.paths.semantic_manifest_path
    manifest_before = manifest.stat().st_ino, manifest.stat().st_mtime_ns
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_querying() -> None:
        while not stop.is_set():
            try:
                response = service.get(WHILE_BUILDING)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
                return
            answers.append((response.status_code, response.text))

    thread = threading.Thread(target=keep_querying)
    thread.start()
    try:
        time.sleep(0.5)
        summary = warehouse.load(
            [ads(20, "C-KPI", clicks=400, cost=1000.0, channel="google_ads")],
            [crm("O-KPI-1", 20, stage="closed_won", amount=2500.0)],
        )
        assert summary["status"] == "ok", summary
        warehouse.build()
        time.sleep(1.0)
    finally:
        stop.set()
        thread.join(timeout=120)
    new = by_day_and_channel(get_rows(service, WHILE_BUILDING))
    assert new != old and ("2025-08-20", "google_ads") in new
    assert (manifest.stat().st_ino, manifest.stat().st_mtime_ns) != manifest_before
    # The new answer is the new snapshot's, by this test's SQL.
    expected = {
        (day, channel): (spend, revenue, roas)
        for day, channel, spend, revenue, roas in snapshot_rows(
            warehouse,
            "select strftime(report_date, '%Y-%m-%d'), channel, sum(cost), sum(revenue), "
            "case when sum(cost) = 0 then null else sum(revenue) / sum(cost) end "
            "from marts.fct_campaign_daily group by all",
        )
    }
    assert set(new) == set(expected)
    for key, values in expected.items():
        for actual, wanted in zip(new[key], values, strict=True):
            assert_close(actual, wanted)
    assert not errors, errors
    assert not thread.is_alive()
    assert len(answers) > 5, "the thread hardly queried during the build"
    seen = {"old": 0, "new": 0}
    for status, text in answers:
        assert status == 200, text
        body = json.loads(text)
        rows = by_day_and_channel(body["data"])
        assert body["count"] == len(body["data"]) == len(rows)
        if rows == old:
            seen["old"] += 1
        else:
            assert rows == new, "an answer was neither the old build's nor the new one's"
            seen["new"] += 1
    assert seen["old"] and seen["new"], seen
    print("answers during the load and build:", seen)
    assert_the_log_is_json(service)
