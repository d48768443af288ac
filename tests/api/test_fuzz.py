"""Over a thousand requests generated from the OpenAPI document: the server never fails, every status it answers
is documented, and a refused request never changes what S3 holds."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote

import schemathesis
from functions.api import app as api_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, REQUESTER, ApiClient
from tests.api.conftest import Calls
from tests.api.helpers import announcement_input, change_input, stored_object

EXAMPLES_PER_OPERATION = 32
MINIMUM_REQUESTS = 1_000


def seeded_ids(api: ApiClient, services: Services) -> dict[str, list[str]]:
    """Real objects in every status, so that generated requests also reach existing changes and announcements."""
    changes = [stored_object(services, "change", status).obj.id for status in Status]
    announcements = [stored_object(services, "announcement", status).obj.id for status in Status]
    drafts = [
        api.post("/api/drafts", change_input()).json["id"],
        api.post("/api/drafts", announcement_input()).json["id"],
    ]
    return {"/changes": changes, "/announcements": announcements, "/drafts": drafts}


def request_path(template: str, parameters: dict[str, Any], known: dict[str, list[str]], pick: int | None) -> str:
    values = dict(parameters)
    if pick is not None and "object_id" in values:
        candidates = next(ids for prefix, ids in known.items() if template.startswith(prefix))
        values["object_id"] = candidates[pick % len(candidates)]
    return "/api" + template.format(**{name: quote(str(value), safe="") for name, value in values.items()})


def test_generated_requests_never_fail_the_server_and_refused_ones_change_nothing(
    api: ApiClient, services: Services, aws_calls: Calls
) -> None:
    known = seeded_ids(api, services)
    schema = schemathesis.openapi.from_dict(json.loads(api_module.app.get_openapi_json_schema()))
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    writes_seen: Counter[str] = Counter()

    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()

        @given(
            case=operation.as_strategy(),
            identity=st.sampled_from([REQUESTER, APPROVER, ADMIN]),
            pick=st.none() | st.integers(min_value=0, max_value=20),
        )
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any, identity: Any, pick: int | None) -> None:
            path = request_path(case.operation.path, case.path_parameters or {}, known, pick)
            body = None if isinstance(case.body, schemathesis.core.NotSet) else case.body
            aws_calls.reset()
            response = api.as_(identity).request(
                case.method.upper(),
                path,
                query={name: str(value) for name, value in (case.query or {}).items()},
                headers={name: str(value) for name, value in (case.headers or {}).items()},
                raw_body=json.dumps(body) if body is not None else None,
            )
            statuses[response.status] += 1
            if response.status >= 500:
                failures.append(f"{case.method} {path} {body!r} -> {response.status} {response.text}")
            if str(response.status) not in case.operation.definition.raw["responses"]:
                failures.append(f"{case.method} {path} answered {response.status}, which its documentation omits")
            if response.status >= 400 and aws_calls.writes:
                failures.append(f"{case.method} {path} {body!r} was refused ({response.status}) but wrote to S3")
            if response.status < 300 and case.method.upper() != "GET":
                writes_seen.update(aws_calls.writes)
            if response.text and not response.headers.get("Content-Type", "").startswith("text/csv"):
                json.loads(response.text)

        call()

    assert failures == []
    assert sum(statuses.values()) >= MINIMUM_REQUESTS
    assert statuses[200] + statuses[201] > 0 and statuses[422] > 0
    assert writes_seen["PutObject"] > 0, "the write counter saw no write at all: it would not notice one either"


def hostile_bodies() -> st.SearchStrategy[tuple[str, bool]]:
    """Bodies no client sends: too deep, numbers of thousands of digits, non-numbers, too large, or marked base64
    without being it; each as ``(text, marked base64)``, some inside an otherwise valid change."""
    valid = json.dumps(change_input())

    def inside(raw: str) -> str:
        return valid[:-1] + f', "attendees": {raw}}}'

    deep = st.integers(min_value=33, max_value=3000).flatmap(
        lambda depth: st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "0" + "}" * depth])
    )
    digits = st.integers(min_value=65, max_value=6000).map(lambda n: "7" * n)
    not_numbers = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-2.5e999"])
    too_large = st.integers(min_value=256 * 1024, max_value=400 * 1024).map(lambda n: json.dumps("z" * n))
    raw = st.one_of(deep, digits, not_numbers, too_large)
    plain = st.one_of(raw, raw.map(inside)).map(lambda text: (text, False))
    fake_base64 = st.text(alphabet="!$%&()*,-.:;<>?@[]^_`{|}~ ", min_size=1, max_size=200).map(lambda t: (t, True))
    return st.one_of(plain, fake_base64)


def test_hostile_bodies_are_refused_by_every_route_that_reads_a_body_and_nothing_is_written(
    api: ApiClient, services: Services, aws_calls: Calls
) -> None:
    schema = json.loads(api_module.app.get_openapi_json_schema())
    routes = [
        (
            method.upper(),
            "/api" + path.format(object_id=stored_object(services, "change", Status.DRAFT).obj.id, template_id="T-1"),
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    statuses: Counter[int] = Counter()

    @given(route=st.sampled_from(routes), body=hostile_bodies(), identity=st.sampled_from([REQUESTER, ADMIN]))
    @settings(max_examples=300, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def call(route: tuple[str, str], body: tuple[str, bool], identity: Any) -> None:
        method, path = route
        text, marked = body
        aws_calls.reset()
        response = api.as_(identity).request(method, path, raw_body=text, base64_body=False, marked_base64=marked)
        statuses[response.status] += 1
        assert response.status < 500, f"{method} {path} {text[:80]!r} -> {response.status} {response.text}"
        assert 400 <= response.status < 500, f"{method} {path} {text[:80]!r} was accepted"
        assert not aws_calls.writes, f"{method} {path} {text[:80]!r} wrote {dict(aws_calls.writes)}"
        assert json.loads(response.text)["error"]

    call()

    assert len(routes) >= 7
    assert {400, 413, 422} <= set(statuses)
