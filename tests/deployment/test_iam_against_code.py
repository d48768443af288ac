"""Every AWS call a component makes in the test suite is allowed by that component's role in the rendered template.

moto does not enforce IAM, so without this a call the role does not allow passes every test and fails only in
AWS. The calls are recorded by ``tests.deployment.aws_calls`` while the suite drives each component through its
entry point; this module runs last (``make test`` loads the recorder) or, run alone, records them in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ccm.config import AppConfig
from ccm.local.ticket_systems import demo_integrations
from infra.render import render
from tests.conftest import BUCKET, ROOT, TABLE
from tests.deployment.aws_calls import COMPONENT_TESTS, COVERAGE, ENTRY_POINTS, RECORDING, Recording
from tests.deployment.conftest import Template, config_with
from tests.deployment.iam_check import refusals, role_of, role_statements
from tests.deployment.iam_requests import TABLE_PARTITION_KEY
from tests.deployment.template_values import Deployment

STACK = TABLE.removesuffix("-table")
"""The stack whose table is the tests' table: ``<stack>-table``."""

CALLING_COMPONENTS = ("api", "backend", "audit", "clock", "ses-events", "router", "edge-saml", "import", "live")
"""The components that call AWS (the viewer-request gatekeeper and the live authoriser call nothing)."""


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    if COVERAGE.complete():
        return RECORDING
    out = tmp_path_factory.mktemp("aws-calls") / "calls.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tests.deployment.aws_calls",
        f"--aws-calls-out={out}",
        "-q",
        "-p",
        "no:cacheprovider",
        *COMPONENT_TESTS,
    ]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, "the component tests failed:\n" + completed.stdout[-4000:]
    return Recording.from_document(json.loads(out.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def deployment(source_template: Template) -> Deployment:
    # The tickets tests run the API and the backend against ServiceNow and Jira stand-ins, so their calls are judged
    # under the template rendered with those integrations (which adds the roles' grant to read their credentials).
    rendered = render(source_template, config_with(integrations=demo_integrations("https://ccm.example.com")))
    return Deployment(rendered, STACK, parameters={"BucketName": BUCKET, "EnableTracing": "false"})


def test_the_tests_table_and_bucket_are_the_ones_the_template_names(deployment: Deployment) -> None:
    assert deployment.ref("Table") == TABLE
    assert deployment.ref("DataBucket") == BUCKET
    [hash_key] = [
        k["AttributeName"]
        for k in deployment.template["Resources"]["Table"]["Properties"]["KeySchema"]
        if k["KeyType"] == "HASH"
    ]
    assert hash_key == TABLE_PARTITION_KEY


def test_each_component_that_calls_aws_was_seen_calling_it(recording: Recording) -> None:
    entry_points = {name: f"{module}.{function}" for (module, function), name in ENTRY_POINTS.items()}
    silent = [name for name in CALLING_COMPONENTS if not list(recording.of(name))]

    assert not silent, (
        f"no AWS call was recorded for {', '.join(silent)}: was an entry point renamed? "
        f"tests/deployment/aws_calls.py ENTRY_POINTS names {', '.join(entry_points[n] for n in silent)}"
    )


def test_every_aws_call_of_each_component_is_allowed_by_its_role_in_the_rendered_template(
    recording: Recording, deployment: Deployment
) -> None:
    problems = [
        f"{u.component}: {u.service} {u.operation} is not described in tests/deployment/iam_requests.py "
        f"(first in {u.first_test})"
        for u in recording.unmapped.values()
    ]
    for component in sorted(recording.components()):
        role = role_of(component, deployment.template)
        problems += map(str, refusals(component, role, role_statements(deployment, role), recording.of(component)))

    assert not problems, "\n".join(problems)


def test_the_check_refuses_the_import_role_that_could_only_assume_customer_roles(
    recording: Recording, deployment: Deployment
) -> None:
    role = role_of("import", deployment.template)
    before_the_fix = [s for s in role_statements(deployment, role) if s["Sid"] == "AssumeCustomerRoles"]

    found = [str(r) for r in refusals("import", role, before_the_fix, recording.of("import"))]

    listing = next(line for line in found if "s3 ListObjectsV2 needs s3:ListBucket" in line)
    assert f"s3:ListBucket on arn:aws:s3:::{BUCKET} with " in listing and "s3:prefix=identity-import/" in listing
    assert "; ImportTaskRole has no statement that allows it [" in listing
    assert any(f"s3 PutObject needs s3:PutObject on arn:aws:s3:::{BUCKET}/identity-import/" in line for line in found)
    assert not any("sts AssumeRole" in line for line in found)


def test_a_grant_narrower_than_the_calls_is_named_with_the_statement_that_almost_allowed_it(
    recording: Recording, deployment: Deployment, demo_config: AppConfig
) -> None:
    role = role_of("edge-saml", deployment.template)
    statements = role_statements(deployment, role)
    [replay] = [s for s in statements if s["Sid"] == "RecordAssertionIdsOnly"]
    replay["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] = ["NOTSAML#*"]

    [refusal, *_] = refusals("edge-saml", role, statements, recording.of("edge-saml"))

    assert "dynamodb PutItem needs dynamodb:PutItem" in str(refusal)
    assert "RecordAssertionIdsOnly grants it only when ForAllValues:StringLike dynamodb:LeadingKeys" in str(refusal)


def test_component_tests_named_for_the_subprocess_exist() -> None:
    assert all((Path(ROOT) / entry).exists() for entry in COMPONENT_TESTS)
