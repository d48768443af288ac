"""The fleet's worker threads run only code that is already imported and compiled.

CPython 3.11 can fail when threads build syntax trees at once (python/cpython#106905, see
:mod:`ccm.ast_construction`); a first import or a template compiled inside a worker thread is where that starts.
Each kind of fleet command runs here as an operator runs it: in a fresh interpreter with no byte code to start
from, against an AWS endpoint (moto's server), with an audit hook that records every import and every compilation
made outside the main thread. There must be none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from ccm.config import AppConfig, SesConfig, load_config, load_ses_config
from tests.backend_support import add_contact, bucket_and_table, customer_ses
from tests.conftest import CONFIG_PATH, SES_CONFIG_PATH

AUDITED_CCM = """
import json, os, sys, threading

found = []

def outside_the_main_thread(event, args):
    if event in ("import", "compile") and threading.current_thread() is not threading.main_thread():
        found.append([event, str(args[0] if event == "import" else args[1]), threading.current_thread().name])

sys.addaudithook(outside_the_main_thread)
from ccm.cli.main import app

try:
    app(sys.argv[1:], prog_name="ccm")
finally:
    with open(os.environ["CCM_TEST_AUDIT"], "w") as out:
        json.dump(found, out)
"""
DNS_ACCOUNT_ROLE = "arn:aws:iam::300000000000:role/ccm-dns-management"
TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def zone(endpoint: str, app_config_module: AppConfig, ses_config_module: SesConfig) -> Iterator[str]:
    """Two customers with subscribers of a topic, the ledger's table, and the sending domain's hosted zone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        bucket_and_table()
        for code in ("alpha", "bravo"):
            add_contact(customer_ses(app_config_module, ses_config_module, code), f"reader@{code}.example.com")
        credentials = boto3.client("sts").assume_role(RoleArn=DNS_ACCOUNT_ROLE, RoleSessionName="setup")
        keys = credentials["Credentials"]
        route53 = boto3.client(
            "route53",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
        )
        yield route53.create_hosted_zone(Name="mail.example.com", CallerReference="fleet")["HostedZone"]["Id"]


@pytest.fixture(scope="module")
def app_config_module() -> AppConfig:
    return load_config(CONFIG_PATH)


@pytest.fixture(scope="module")
def ses_config_module() -> SesConfig:
    return load_ses_config(SES_CONFIG_PATH)


@pytest.fixture(scope="module")
def byte_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the fresh interpreters keep the byte code they compile: empty before the first command."""
    return tmp_path_factory.mktemp("pycache")


def run_audited(endpoint: str, byte_code: Path, tmp_path: Path, *args: str) -> tuple[Any, list[list[str]]]:
    audit = tmp_path / "audit.json"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "PYTHONPYCACHEPREFIX": str(byte_code),
        "CCM_TEST_AUDIT": str(audit),
    }
    done = subprocess.run(
        [sys.executable, "-c", AUDITED_CCM, *args, "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    found: list[list[str]] = json.loads(audit.read_text())
    return json.loads(done.stdout), found


@pytest.mark.parametrize(
    "command",
    [
        ["ses", "send-topic-test", "--topic", "aws-announce", "-c", "alpha", "-c", "bravo"],
        ["identity-center", "import", "-c", "alpha", "-c", "bravo", "--ses-rps", "0"],
        ["domain", "setup", "-c", "alpha", "-c", "bravo", "--zone-id", "ZONE", "--ses-rps", "0"],
        ["customers", "validate", "-c", "alpha", "-c", "bravo"],
    ],
    ids=["ses-send", "identity-import", "domain-setup", "customers-validate"],
)
def test_no_worker_thread_of_a_fleet_command_imports_or_compiles(
    endpoint: str, zone: str, byte_code: Path, tmp_path: Path, command: list[str]
) -> None:
    args = [zone if arg == "ZONE" else arg for arg in command]

    document, found = run_audited(endpoint, byte_code, tmp_path, *args)

    assert [result["customer"] for result in document["results"]] == ["alpha", "bravo"]
    assert found == []
