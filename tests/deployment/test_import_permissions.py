"""The contact import run as the scheduled task runs it, with its role in the rendered template enforced on every
call it makes with its own credentials (moto alone allows everything)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest

from ccm.config import AppConfig
from tests.cli.conftest import Ccm, bucket, ccm, watch  # noqa: F401 (fixtures of the CLI tests)
from tests.deployment.conftest import Template
from tests.deployment.iam_check import RoleEnforcer, role_of, role_statements
from tests.deployment.template_values import Deployment
from tests.deployment.test_iam_against_code import STACK
from tests.fakes.identity_center import SeededDirectory, SeedUser, role_group
from tests.fakes.ses_state import stored_contacts

RECORD = "identity-import/bravo.json"


@pytest.fixture
def import_role(rendered: Template) -> tuple[str, list[dict[str, Any]]]:
    deployment = Deployment(rendered, STACK, parameters={"BucketName": "ccm-test-bucket"})
    role = role_of("import", rendered)
    return role, role_statements(deployment, role)


def enforce(monkeypatch: pytest.MonkeyPatch, role: str, statements: list[dict[str, Any]]) -> RoleEnforcer:
    enforcer = RoleEnforcer(role, statements)
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        return enforcer.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    return enforcer


@pytest.fixture
def bravo(app_config: AppConfig, bucket: str, ccm: Ccm) -> Iterator[str]:  # noqa: F811
    ccm.ensure_table()  # as deployed, before the role is enforced
    identity_center = app_config.customer("bravo").identity_center_role_arn
    assert identity_center is not None
    directory = SeededDirectory(identity_center.split(":")[4])
    directory.add_users([SeedUser("ana", "ana@example.com", [role_group("bravo", "finance")])])
    yield app_config.customer("bravo").account_id


def import_bravo(ccm: Ccm, expect_exit: int = 0) -> dict[str, Any]:  # noqa: F811
    result: dict[str, Any] = ccm.json(
        "identity-center", "import", "--customer", "bravo", "--ses-rps", "0", "--ic-rps", "0", expect_exit=expect_exit
    )
    outcome: dict[str, Any] = result["results"][0]
    return outcome


def test_the_import_runs_as_its_rendered_role_and_keeps_its_grant_record(
    ccm: Ccm,  # noqa: F811
    bravo: str,
    import_role: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enforcer = enforce(monkeypatch, *import_role)

    first = import_bravo(ccm)
    second = import_bravo(ccm)

    assert first["ok"] and first["created"] == 1
    assert second["ok"] and second["unchanged"] == 1 and second["created"] == 0
    assert enforcer.refused == []
    record = json.loads(boto3.client("s3").get_object(Bucket="ccm-test-bucket", Key=RECORD)["Body"].read())
    assert "finops-announce" in record["contacts"]["ana@example.com"]


def test_the_import_role_before_the_fix_fails_the_customer_with_the_permission_it_lacks(
    ccm: Ccm,  # noqa: F811
    bravo: str,
    import_role: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    role, statements = import_role
    enforcer = enforce(monkeypatch, role, [s for s in statements if s["Sid"] == "AssumeCustomerRoles"])

    outcome = import_bravo(ccm, expect_exit=1)

    assert not outcome["ok"]
    assert "s3:ListBucket on s3://ccm-test-bucket (prefix identity-import/bravo.json) was refused" in outcome["error"]
    assert "its role needs s3:ListBucket on the bucket (s3:prefix identity-import/*)" in outcome["error"]
    assert enforcer.refused[0].startswith("s3:ListBucket on arn:aws:s3:::ccm-test-bucket with ")
    assert "s3:prefix=identity-import/bravo.json" in enforcer.refused[0]
    assert enforcer.refused[0].endswith("ImportTaskRole has no statement that allows it")


def test_a_refused_record_read_is_an_error_naming_the_permission_never_an_empty_record(
    ccm: Ccm,  # noqa: F811
    bravo: str,
    import_role: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_bravo(ccm)
    role, statements = import_role
    no_read = [{**s, "Action": ["s3:PutObject"]} if s["Sid"] == "ReadAndWriteGrantRecords" else s for s in statements]
    enforce(monkeypatch, role, no_read)

    outcome = import_bravo(ccm, expect_exit=1)

    assert f"s3:GetObject on s3://ccm-test-bucket/{RECORD} was refused" in outcome["error"]
    # Taken for "no record", the grants would be forgotten and a later role change could not withdraw them.
    preferences = stored_contacts(bravo)["ana@example.com"].preferences
    assert preferences.get("finops-announce") == "OPT_IN"
