"""The semantic layer's YAML passes MetricFlow's own validation (what `mf validate-configs` runs
before its warehouse checks), from the manifest `dbt parse` writes; no database is opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)

from warehouse.build import dbt_args


@pytest.fixture(scope="module")
def semantic_manifest(tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("parse-target")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(target))
        assert dbtRunner().invoke(dbt_args("parse")).success
    return parse_manifest_from_dbt_generated_manifest(
        Path(target, "semantic_manifest.json").read_text()
    )


def test_metricflow_finds_no_error_nor_future_error(semantic_manifest):
    results = SemanticManifestValidator().validate_semantic_manifest(semantic_manifest)
    assert not results.errors, [issue.message for issue in results.errors]
    assert not results.future_errors, [issue.message for issue in results.future_errors]


def test_every_metric_has_a_label_and_a_description(semantic_manifest):
    metrics = semantic_manifest.metrics
    assert len(metrics) == 26
    assert [m.name for m in metrics if not (m.label or "").strip()] == []
    assert [m.name for m in metrics if not (m.description or "").strip()] == []
