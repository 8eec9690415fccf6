"""Security: no secret in any output, no e-mail address after raw, a service bound to loopback,
pinned dependencies and a way to report a vulnerability.

One warehouse is run with secrets everywhere they can be configured (credentials and tokens in
the source URLs, a sink URL with credentials and a token, SINK_SECRET) and with e-mail addresses
everywhere an upstream can put one; a source that fails, a sink that fails once, an ingest run
that fails and requests carrying tokens exercise the error paths. Then every captured output,
log line, file, metric and API response is searched for the secrets, and every relation after
raw and every API answer for e-mail-shaped values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from faulty_upstream import FaultyUpstream
from helpers.email_scan import EMAIL_SHAPED
from pytest_httpserver import HTTPServer
from reference_payloads import envelope
from service_api.service_harness import ServiceProcess
from warehouse_site import REPO_ROOT, Site
from werkzeug import Request, Response

from service.settings import ServiceSettings

# Written here, not imported: the check must not share the code it checks.
SECRETS = {
    "ads_password": "ads-PASSWORD-a1b2",
    "ads_token": "ads-TOKEN-c3d4",
    "ads_key": "ads-KEY-e5f6",
    "crm_token": "crm-TOKEN-g7h8",
    "crm_password": "crm-PASSWORD-i9j0",
    "sink_secret": "sink-SECRET-k1l2",
    "sink_password": "sink-PASSWORD-m3n4",
    "sink_token": "sink-TOKEN-o5p6",
    "query_token": "query-TOKEN-q7r8",
    "header_secret": "header-SECRET-s9t0",
    "cookie_secret": "cookie-SECRET-u1v2",
}
CONTACT = "  Ana.Lopez@Example.com "
PII_ADS = [
    {
        "date": "2025-08-01",
        "campaign_id": "ana.ads@example.com",
        "channel": "google_ads",
        "clicks": 10,
        "impressions": 100,
        "cost": 5,
        "utm_campaign": "bo@example.org",
        "utm_source": "google",
        "utm_medium": "cpc",
    },
    {
        "date": "2025-08-01",
        "campaign_id": "C-PII",
        "channel": "Mail.Me@Example.COM",
        "clicks": 5,
        "impressions": 50,
        "cost": 2,
        "utm_campaign": "spring",
        "utm_source": " Carla+x@example.net ",
        "utm_medium": "eve@example.io",
    },
    {"date": "dan@example.com", "campaign_id": "C-1", "channel": "google_ads"},
    {
        "date": "2025-08-02",
        "campaign_id": "C-2",
        "channel": "google_ads",
        "cost": "fay@example.com",
    },
]
PII_CRM = [
    {
        "opportunity_id": "O-PII-1",
        "contact_email": CONTACT,
        "stage": "closed_won",
        "amount": 100,
        "created_at": "2025-08-01T10:00:00Z",
        "utm_campaign": "bo@example.org",
        "utm_source": "google",
        "utm_medium": "cpc",
    },
    {
        "opportunity_id": "gus@example.com",
        "contact_email": "gus@example.com",
        "stage": "hal@example.com",
        "amount": 0,
        "created_at": "2025-08-01T11:00:00Z",
        "utm_campaign": "spring",
        "utm_source": "eve@example.io",
        "utm_medium": "cpc",
    },
    {
        "opportunity_id": "O-PII-3",
        "contact_email": "ivy@example.com",
        "stage": "lead",
        "created_at": "ivy@example.com",
    },
    {
        "opportunity_id": "O-PII-4",
        "contact_email": "jo@example.com",
        "stage": "lead",
        "amount": "jo@example.com",
        "created_at": "2025-08-02T10:00:00Z",
        "note": "call kim@example.com",
    },
]
AFTER_RAW = ("staging", "intermediate", "marts", "audit")


@dataclass
class SecuredRun:
    site: Site
    upstream: FaultyUpstream
    service: ServiceProcess
    outputs: dict[str, str] = field(default_factory=dict)  # what was captured -> its text
    responses: dict[str, str] = field(default_factory=dict)  # API request -> body + headers
    sink_bodies: list[bytes] = field(default_factory=list)
    sink_signatures: list[str] = field(default_factory=list)
    channel_rows: int = 0


def with_credentials(url: str, user: str, password: str, query: str) -> str:
    return url.replace("http://", f"http://{user}:{password}@", 1) + "?" + query


@pytest.fixture(scope="module")
def secured(reference, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredRun]:
    root = tmp_path_factory.mktemp("secured")
    upstream = FaultyUpstream()
    sink_server = HTTPServer(host="127.0.0.1", port=0)
    sink_server.start()
    site = reference.base.copy_to(root / "site")
    ads_url = with_credentials(
        upstream.url("/ads"),
        "ads-user",
        SECRETS["ads_password"],
        f"token={SECRETS['ads_token']}&api_key={SECRETS['ads_key']}",
    )
    crm_url = upstream.url("/crm") + (
        f"?access_token={SECRETS['crm_token']}&password={SECRETS['crm_password']}"
    )
    env = site.env(
        ads_url=ads_url, crm_url=crm_url, SINK_SECRET=SECRETS["sink_secret"], HTTP_MAX_RETRIES="1"
    )
    run = SecuredRun(site, upstream, None)  # type: ignore[arg-type]
    try:
        upstream.serve("/ads", envelope("ads", PII_ADS), "status:503")
        upstream.serve("/crm", envelope("crm", PII_CRM))
        loaded = site.run("load", env=env)
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        upstream.serve("/crm", envelope("crm", PII_CRM), "status:404")
        failed = site.run("load", env=env)
        assert failed.returncode == 1, failed.stderr[-3000:]
        built = site.run("warehouse.build", env=env)
        assert built.returncode == 0, built.stdout[-3000:]
        for name, process in (
            ("first load", loaded),
            ("load with a failed source", failed),
            ("build", built),
        ):
            run.outputs[f"{name}: stdout"] = process.stdout
            run.outputs[f"{name}: stderr"] = process.stderr

        def sink(request: Request) -> Response:
            run.sink_bodies.append(request.get_data())
            run.sink_signatures.append(request.headers.get("X-Signature", ""))
            return (
                Response("busy", status=503) if len(run.sink_bodies) == 1 else Response(status=204)
            )

        sink_server.expect_request("/sink", method="POST").respond_with_handler(sink)
        gone = with_credentials(
            upstream.url("/gone"),
            "ads-user",
            SECRETS["ads_password"],
            f"token={SECRETS['ads_token']}",
        )
        service = ServiceProcess(
            root,
            DUCKDB_PATH=str(site.paths.duckdb_path),
            SINK_SECRET=SECRETS["sink_secret"],
            SINK_URL=with_credentials(
                sink_server.url_for("/sink"),
                "sink-user",
                SECRETS["sink_password"],
                f"token={SECRETS['sink_token']}",
            ),
            SINK_MAX_RETRIES="1",
            SINK_BACKOFF_SECONDS="0.01",
            ADS_API_URL=gone,
            CRM_API_URL=gone,
            HTTP_MAX_RETRIES="0",
        )
        del service.env["HOST"]  # the default bind is under test too
        run.service = service.start()
        _exercise_the_service(run)
        service.stop()
        run.outputs["service log"] = service.log_path.read_text()
        run.outputs.update(_files_text(site.root))
        run.outputs.update(_files_text(Path(env["DBT_LOG_PATH"])) if "DBT_LOG_PATH" in env else {})
        yield run
    finally:
        if run.service is not None:
            run.service.stop()
        sink_server.clear()
        sink_server.stop()
        upstream.stop()


def _exercise_the_service(run: SecuredRun) -> None:
    service = run.service
    hostile_headers = {
        "Authorization": f"Bearer {SECRETS['header_secret']}",
        "Cookie": f"session={SECRETS['cookie_secret']}",
    }
    for path in (
        "/healthz",
        "/readyz",
        "/metrics",
        "/metrics/channel?limit=1000",
        "/metrics/funnel",
        f"/metrics/channel?token={SECRETS['query_token']}",
        f"/metrics/funnel?api_key={SECRETS['query_token']}&from=2025-08-01",
    ):
        answer = service.get(path, headers=hostile_headers)
        if path == "/metrics/channel?limit=1000":
            run.channel_rows = answer.json()["count"]
        run.responses[f"GET {path}"] = answer.text + json.dumps(dict(answer.headers))
    exported = service.post("/export/run?date=2025-08-01", headers=hostile_headers)
    assert exported.status_code == 200, exported.text
    run.responses["POST /export/run"] = exported.text + json.dumps(dict(exported.headers))
    started = service.post("/ingest/run")
    assert started.status_code == 202, started.text
    finished = service.wait_for_run(started.json()["run_id"])
    assert finished["status"] == "failed" and "/gone" in finished["error"], finished
    run.responses["GET /ingest/runs/{id}"] = json.dumps(finished)


def _files_text(folder: Path) -> dict[str, str]:
    """Every file under `folder` as text (binary files too, byte for byte), but the fetched
    payloads' archived copies, which hold what the upstream sent."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "raw_payloads" not in path.parts:
            texts[f"file {path.relative_to(folder)}"] = path.read_bytes().decode("latin-1")
    return texts


def test_the_runs_really_used_the_secrets(secured):
    """Without this, the search below could pass because no secret was ever configured."""
    ads = secured.upstream.requests_to("/ads")
    assert ads and SECRETS["ads_token"] in ads[0].query
    assert ads[0].headers.get("authorization", "").startswith("Basic ")
    assert SECRETS["crm_token"] in secured.upstream.requests_to("/crm")[0].query
    assert len(secured.sink_bodies) == 2, "the sink failed once, then took the export"
    body, signature = secured.sink_bodies[-1], secured.sink_signatures[-1]
    expected = hmac.new(SECRETS["sink_secret"].encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)


def test_no_secret_in_any_output_log_file_metric_or_response(secured, figures):
    captured = {**secured.outputs, **secured.responses}
    assert any(name.startswith("file ") and name.endswith("ingest.prom") for name in captured)
    leaks = []
    for name, text in captured.items():
        figures.outputs_scanned_for_secrets += 1
        for label, secret in SECRETS.items():
            if secret in text:
                figures.secrets_found += 1
                leaks.append(f"{label} in {name}")
    assert not leaks, leaks


def _email_shaped(values, where: str, figures) -> list[str]:
    found = []
    for value in values:
        figures.values_scanned_for_emails += 1
        match = EMAIL_SHAPED.search(str(value)) if value is not None else None
        if match:
            figures.emails_found += 1
            found.append(f"{match.group(0)!r} in {where}")
    return found


@pytest.mark.parametrize("database", ["warehouse", "snapshot"])
def test_no_email_in_any_relation_after_raw(secured, figures, database):
    path = {
        "warehouse": secured.site.paths.duckdb_path,
        "snapshot": secured.site.paths.snapshot_path,
    }[database]
    found = []
    with duckdb.connect(str(secured.site.paths.raw_path), read_only=True) as raw:
        raw_emails = raw.execute(
            "select count(*) from raw.crm_opportunities where contact_email like '%@%'"
        ).fetchone()[0]
    assert raw_emails > 0, "the raw layer should hold the e-mails: the scan needs them"
    with duckdb.connect(str(path), read_only=True) as con:  # alone: the raw file is not attached
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables order by all"
        ).fetchall()
        assert {schema for schema, _ in relations} == set(AFTER_RAW)
        for schema, table in relations:
            for (column,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall():
                values = [
                    v
                    for (v,) in con.execute(
                        f'select cast("{column}" as varchar) from {schema}."{table}"'
                    ).fetchall()
                ]
                found += _email_shaped(values, f"{schema}.{table}.{column}", figures)
    assert not found, found


def test_no_email_in_any_api_response_or_export(secured, figures):
    assert secured.channel_rows > 0, "the API answered rows: the scan had values to look at"
    found = []
    for name, text in secured.responses.items():
        found += _email_shaped(re.split(r"[\"\s,]", text), name, figures)
    for index, body in enumerate(secured.sink_bodies):
        found += _email_shaped(re.split(r"[\"\s,]", body.decode()), f"export {index}", figures)
    assert secured.sink_bodies and secured.sink_bodies[-1] != b"[]", "the export sent rows"
    assert not found, found


def test_the_contact_email_is_only_a_hash_after_raw(secured):
    expected = hashlib.sha256(CONTACT.strip().lower().encode()).hexdigest()
    with duckdb.connect(str(secured.site.paths.duckdb_path), read_only=True) as con:
        (got,) = con.execute(
            "select contact_email_hash from staging.stg_crm__opportunities "
            "where opportunity_id = 'O-PII-1'"
        ).fetchone()
        records = [
            r
            for (r,) in con.execute(
                "select record from audit.rejected_records where record like '%O-PII-3%'"
            ).fetchall()
        ]
    assert got == expected
    assert len(records) == 1
    assert json.loads(records[0])["contact_email"] == hashlib.sha256(b"ivy@example.com").hexdigest()


def test_the_service_binds_loopback_unless_told_otherwise(secured, monkeypatch):
    """The service of this module started without HOST: it listened on 127.0.0.1 only."""
    log = secured.outputs["service log"]
    assert re.search(r"Uvicorn running on http://127\.0\.0\.1:\d+", log), log[-2000:]
    assert "0.0.0.0" not in log
    monkeypatch.delenv("HOST", raising=False)
    assert ServiceSettings.from_env().host == "127.0.0.1"
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert ServiceSettings.from_env().host == "0.0.0.0", "a non-local bind is a setting"


def test_every_dependency_is_pinned_exactly():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    lock = {}
    for line in (REPO_ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version and re.fullmatch(r"[\w.+!-]+", version), f"not pinned: {line!r}"
            lock[_canonical(name.split("[")[0])] = version
    for requirement in declared:
        name, _, version = requirement.partition("==")
        assert version, f"not pinned in pyproject.toml: {requirement!r}"
        name = _canonical(name.split("[")[0])
        if name in lock:  # the optional Spark extra is not in the lock
            assert lock[name] == version.strip(), f"{name}: {version} vs {lock[name]}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def test_the_readme_says_how_to_report_a_vulnerability():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Reporting a vulnerability", 1)
    assert len(section) == 2, "README.md has no 'Reporting a vulnerability' section"
    assert EMAIL_SHAPED.search(section[1].split("\n## ", 1)[0]), "it names no address"
