"""Finishing the load a killed run left half-done, exactly once, before this run lands its own.

A loader killed while dlt loads (SIGKILL, OOM, power cut) leaves a pending load package. dlt
resumes it on the next run, but two things then go wrong on their own:
- dlt's `run` loads only the pending package and silently skips the data it was given;
- a job that was running when the process died is run again, although its INSERT may already
  be committed (DuckDB appends run outside a transaction): its rows would be appended twice.
So the pending packages are finished first, as their own step, after the rows of the jobs that
were running are removed: those jobs then land exactly once. Merge jobs need no cleanup: they
run in one transaction and replacing a window twice gives the same rows.
"""

from __future__ import annotations

from load.observability import log

# Jobs whose files are SQL (dlt's merge followups) are transactional; the others are copies.
TRANSACTIONAL_JOB_FORMAT = "sql"


def finish_interrupted_loads(pipeline) -> list[str]:
    """Land the pending packages of an interrupted run; return their load ids."""
    if not pipeline.has_pending_data:
        return []
    if pipeline.list_extracted_load_packages():
        pipeline.normalize()
    load_ids = list(pipeline.list_normalized_load_packages())
    # A file in a lake is rewritten whole under the same name: a rerun job appends nothing.
    if not pipeline.destination.destination_type.endswith("filesystem"):
        for load_id in load_ids:
            _remove_rows_of_started_jobs(pipeline, load_id)
    pipeline.load()
    log("interrupted_load_finished", load_ids=load_ids)
    return load_ids


def _remove_rows_of_started_jobs(pipeline, load_id: str) -> None:
    package = pipeline.get_load_package_info(load_id)
    started = [
        job.job_file_info
        for job in package.jobs.get("started_jobs", [])
        if job.job_file_info.file_format != TRANSACTIONAL_JOB_FORMAT
    ]
    if not started:
        return
    schema = package.schema
    with pipeline.sql_client(schema.name) as client:
        for job in started:
            merged = schema.tables.get(job.table_name, {}).get("write_disposition") == "merge"
            # A merge table's data is copied into the staging dataset first.
            dataset = client.staging_dataset_name if merged else client.dataset_name
            with client.with_alternative_dataset_name(dataset):
                table = client.make_qualified_table_name(job.table_name)
                if client.has_dataset() and _table_exists(client, job.table_name):
                    client.execute_sql(f"delete from {table} where _dlt_load_id = %s", load_id)


def _table_exists(client, table_name: str) -> bool:
    rows = client.execute_sql(
        "select 1 from information_schema.tables where table_schema = %s and table_name = %s",
        client.dataset_name,
        table_name,
    )
    return bool(rows)
