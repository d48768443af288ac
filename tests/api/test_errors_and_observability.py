"""Internal errors reveal nothing but a request id; every request leaves an ApiErrors data point in CCM."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from functions.api import app as api_module

from ccm.storage.repository import Repository
from ccm.workflow import Services
from tests.api.client import ApiClient, function_url_event, lambda_context


def emitted_metrics(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def test_an_internal_error_is_a_500_with_the_request_id_and_no_internals(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(object_id: str) -> None:
        raise RuntimeError("s3 is on fire at /secret/path.py")

    monkeypatch.setattr(services.repository, "get", broken)
    event = function_url_event("GET", "/api/changes/CHG-1")

    response = api_module.handler(event, lambda_context())

    assert response["statusCode"] == 500
    body = json.loads(response["body"])
    assert body["requestId"] == event["requestContext"]["requestId"]
    assert "fire" not in response["body"] and "Traceback" not in response["body"]
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics[-1]["ApiErrors"] == [1.0]
    assert metrics[-1]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CCM"


def test_a_successful_request_records_zero_errors(api: ApiClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert api.get("/api/user").status == 200

    assert emitted_metrics(capsys.readouterr().out)[-1]["ApiErrors"] == [0.0]


def test_a_client_error_is_not_an_api_error(api: ApiClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert api.get("/api/changes/CHG-nothing").status == 404

    assert emitted_metrics(capsys.readouterr().out)[-1]["ApiErrors"] == [0.0]


def test_logs_carry_the_request_id_as_correlation_id(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.repository, "get", lambda object_id: 1 / 0)
    event = function_url_event("GET", "/api/changes/CHG-1")
    # In Lambda each function has a process of its own; in one test process the function configured last (the
    # audit function, say) owns the shared "ccm" logger. Give it back to the API for this test only.
    shared = logging.getLogger("ccm")
    monkeypatch.setattr(shared, "handlers", list(shared.handlers))
    monkeypatch.setattr(shared, "propagate", shared.propagate)
    copy_config_to_registered_loggers(source_logger=api_module.logger, include={"ccm"})
    written = io.StringIO()
    for handler in shared.handlers:
        if isinstance(handler, logging.StreamHandler):
            monkeypatch.setattr(handler, "stream", written)

    api_module.handler(event, lambda_context())

    records = [json.loads(line) for line in written.getvalue().splitlines() if line.startswith("{")]
    failure = next(record for record in records if record["level"] == "ERROR")
    assert failure["correlation_id"] == event["requestContext"]["requestId"]
    assert failure["service"] == "ccm-api"


def test_services_are_built_once_per_cold_start_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_module, "_services", None)
    monkeypatch.setenv("CCM_BUCKET", "cold-start-bucket")

    first, second = api_module.services(), api_module.services()

    assert first is second
    assert isinstance(first.repository, Repository)
    assert first.repository.archive.bucket == "cold-start-bucket"
    assert len(first.config.customer_mappings) == 26


def test_the_tracer_wraps_the_handler_only_where_tracing_is_on(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_module, "_entry", None)
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED")

    response = api.get("/api/user")

    assert response.status == 200
    assert api_module._entry is not None and api_module._entry is not api_module._handle


def test_without_tracing_the_handler_runs_unwrapped(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_module, "_entry", None)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")

    assert api.get("/api/user").status == 200
    assert api_module._entry is api_module._handle
