"""The Starlette application: routes, and errors as JSON that say what went wrong.

Handlers that touch DuckDB, the sink or the file system are plain functions: Starlette runs them
in its thread pool, so a slow query or export never stalls `/healthz`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import duckdb
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from semantic.layer import ManifestUnavailable, UnknownName, describe
from service import params
from service.access_log import AccessLog, log
from service.export import SinkFailed, SinkNotConfigured, export_day
from service.ingest_runs import IngestRuns, RunInProgress
from service.kpi_api import ChannelQuery, FunnelQuery, channel_rows, funnel
from service.privacy import redact_emails
from service.prometheus_metrics import ServiceMetrics
from service.readiness import readiness
from service.schedule import InProcessSchedule
from service.semantic_api import SemanticLayers, kpi_rows
from service.settings import ServiceSettings
from service.snapshot_reader import SnapshotReader, SnapshotUnavailable

CHANNEL_PARAMS = ("from", "to", "channel", "limit", "offset")
FUNNEL_PARAMS = ("from", "to", "utm_campaign")
MAX_LIMIT = 1000
MAX_OFFSET = 999_999_999


def _error(request: Request, status: int, message: str, **extra: Any) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    return JSONResponse({"error": message, **extra, "request_id": request_id}, status_code=status)


def create_app(settings: ServiceSettings) -> Starlette:
    metrics = ServiceMetrics(
        settings.ingest_metrics_path, settings.paths.snapshot_path, settings.paths.state_dir
    )
    reader = SnapshotReader(settings.paths.snapshot_path)
    runs = IngestRuns(settings, metrics)
    layers = SemanticLayers(settings.paths.semantic_manifest_path)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        schedule = InProcessSchedule.start(settings)
        try:
            yield
        finally:
            if schedule is not None:
                await asyncio.to_thread(schedule.stop)  # lets a running step end cleanly
            reader.close()

    def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def readyz(request: Request) -> Response:
        ready, body = readiness(settings, reader)
        return JSONResponse(body, status_code=200 if ready else 503)

    def prometheus(request: Request) -> Response:
        return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    def channel(request: Request) -> Response:
        query = request.query_params
        params.only(query, CHANNEL_PARAMS)
        start, end = params.date_range(query)
        channel_query = ChannelQuery(
            from_date=start,
            to_date=end,
            channel=params.text(query, "channel"),
            limit=params.whole_number(query, "limit", 100, 0, MAX_LIMIT),
            offset=params.whole_number(query, "offset", 0, 0, MAX_OFFSET),
        )
        with reader.cursor() as cursor:
            return JSONResponse(channel_rows(cursor, channel_query))

    def funnel_endpoint(request: Request) -> Response:
        query = request.query_params
        params.only(query, FUNNEL_PARAMS)
        start, end = params.date_range(query)
        funnel_query = FunnelQuery(start, end, params.text(query, "utm_campaign"))
        with reader.cursor() as cursor:
            return JSONResponse(funnel(cursor, funnel_query))

    def kpis(request: Request) -> Response:
        for name in request.query_params:
            raise params.ParamError(
                name, f"unknown parameter {params._shown(name)}; /kpis takes no parameter"
            )
        return JSONResponse(describe(layers.current()))

    def kpis_query(request: Request) -> Response:
        layer = layers.current()
        with reader.cursor() as cursor:
            return JSONResponse(kpi_rows(layer, cursor, request.query_params))

    def ingest_run(request: Request) -> Response:
        params.only(request.query_params, ("since",))
        since = params.date(request.query_params, "since")
        run = runs.start(since, request.state.request_id)
        location = f"/ingest/runs/{run.id}"
        return JSONResponse(
            {"run_id": run.id, "status": run.status, "since": run.since, "status_url": location},
            status_code=202,
            headers={"Location": location},
        )

    def ingest_run_status(request: Request) -> Response:
        run = runs.get(request.path_params["run_id"])
        if run is None:
            return _error(request, 404, "no such ingest run (runs are kept in memory)")
        return JSONResponse(run)

    def export(request: Request) -> Response:
        params.only(request.query_params, ("date",))
        day = params.date(request.query_params, "date", required=True)
        return JSONResponse(export_day(settings, reader, day, request.state.request_id))

    async def param_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, params.ParamError)
        # For an unknown parameter, `parameter` is the caller's text: never an e-mail, and cut.
        parameter = redact_emails(exc.parameter)
        if len(parameter) > 40:
            parameter = parameter[:40] + "…"
        return _error(request, 400, exc.message, parameter=parameter)

    async def unknown_name(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, UnknownName)
        parameter = {"metric": "metrics", "group_by": "group_by", "order": "order"}[exc.kind]
        # The name as echoed in any 400: cut, and never an e-mail address (service/params.py).
        message = f"unknown {exc.kind} {params._shown(exc.name)}; the known names are in 'known'"
        return _error(request, 400, message, parameter=parameter, known=exc.known)

    async def snapshot_unavailable(request: Request, exc: Exception) -> Response:
        return _error(request, 503, str(exc))

    async def query_failed(request: Request, exc: Exception) -> Response:
        log("query_failed", request_id=request.state.request_id, error=str(exc).splitlines()[0])
        return _error(request, 503, "the snapshot could not answer; is it a complete build?")

    async def run_in_progress(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RunInProgress)
        return _error(request, 409, str(exc), run_id=exc.run_id)

    async def sink_not_configured(request: Request, exc: Exception) -> Response:
        return _error(request, 503, str(exc))

    async def sink_failed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SinkFailed)
        return _error(request, 502, str(exc), attempts=exc.attempts)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = _error(request, exc.status_code, exc.detail)
        response.headers.update(exc.headers or {})
        return response

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        Route("/metrics/channel", channel, methods=["GET"]),
        Route("/metrics/funnel", funnel_endpoint, methods=["GET"]),
        Route("/kpis", kpis, methods=["GET"]),
        Route("/kpis/query", kpis_query, methods=["GET"]),
        Route("/ingest/run", ingest_run, methods=["POST"]),
        Route("/ingest/runs/{run_id}", ingest_run_status, methods=["GET"]),
        Route("/export/run", export, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog, metrics=metrics)],
        exception_handlers={
            params.ParamError: param_error,
            SnapshotUnavailable: snapshot_unavailable,
            ManifestUnavailable: snapshot_unavailable,
            UnknownName: unknown_name,
            duckdb.Error: query_failed,
            RunInProgress: run_in_progress,
            SinkNotConfigured: sink_not_configured,
            SinkFailed: sink_failed,
            HTTPException: http_error,
        },
        lifespan=lifespan,
    )
    return app
