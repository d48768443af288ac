"""The backend recognises S3 events caused by its own role by identity, whatever the session or function name."""

from __future__ import annotations

import boto3

from ccm.backend.principal import BackendPrincipal, unique_id


def backend_role_sts(account: str = "123456789012", role: str = "ccm-backend", session: str = "fn") -> BackendPrincipal:
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName=session
    )["Credentials"]
    sts = boto3.client(
        "sts",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return BackendPrincipal(sts)


def test_the_unique_id_is_the_part_before_the_session() -> None:
    assert unique_id("AWS:AROAEXAMPLE:ccm-backend") == "AROAEXAMPLE"
    assert unique_id("AROAEXAMPLE:other") == "AROAEXAMPLE"
    assert unique_id("AWS:AIDAEXAMPLE") == "AIDAEXAMPLE"


def test_any_session_of_the_backends_role_is_the_backend(aws: None) -> None:
    identity = backend_role_sts(role="ccm-backend", session="ccm-backend-function")
    api_role_id = unique_id(backend_role_sts(role="ccm-api", session="ccm-api")._load()[0])
    backend_role_id = unique_id(identity._load()[0])

    # S3 reports the writer as AWS:<role id>:<session>; the role id is the same for every session of a role
    assert identity.wrote(f"AWS:{backend_role_id}:a-completely-different-session")
    assert not identity.wrote(f"AWS:{api_role_id}:ccm-api")
    assert not identity.wrote(f"AWS:{api_role_id}:backend-lambda")  # a name proves nothing
    assert not identity.wrote("")


def test_the_backend_signs_its_modifications_with_its_role_arn(aws: None) -> None:
    identity = backend_role_sts(account="123456789012", role="ccm-backend")

    assert identity.user_id == "arn:aws:iam::123456789012:role/ccm-backend"


def test_the_caller_identity_is_looked_up_once(aws: None) -> None:
    sts = boto3.client("sts")
    calls: list[str] = []
    sts.meta.events.register("before-call.sts.GetCallerIdentity", lambda **_: calls.append("x"))
    identity = BackendPrincipal(sts)

    for _ in range(3):
        identity.wrote("AWS:AROAOTHER:x")
    assert identity.user_id

    assert calls == ["x"]
