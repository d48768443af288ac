"""Fixtures shared by every tier: fake AWS credentials, moto, the demo configuration, a provisioned account."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG_PATH = ROOT / "config.json"
SES_CONFIG_PATH = ROOT / "SESConfig.json"
SUBSCRIPTION_CONFIG_PATH = ROOT / "SubscriptionConfig.json"
EVENTS = Path(__file__).resolve().parent / "events"

# Never let a test reach a real AWS account or a developer's local emulator.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "CCM_CONFIG": str(CONFIG_PATH),
        "CCM_SES_CONFIG": str(SES_CONFIG_PATH),
        "CCM_SUBSCRIPTION_CONFIG": str(SUBSCRIPTION_CONFIG_PATH),
        "CCM_BUCKET": "ccm-test-bucket",
        "CCM_TABLE": "ccm-test-table",
        "POWERTOOLS_METRICS_NAMESPACE": "ccm-tests",
        "POWERTOOLS_SERVICE_NAME": "ccm",
        # Rich sizes tables to the terminal; tests assert on whole cell texts, whatever runs them.
        "COLUMNS": "200",
    }
)
for leaked in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(leaked, None)

BUCKET = os.environ["CCM_BUCKET"]
TABLE = os.environ["CCM_TABLE"]

from ccm.ast_construction import serialize_ast_construction  # noqa: E402
from ccm.config import AppConfig, SesConfig, load_config, load_ses_config  # noqa: E402
from ccm.local.atomic_emulator import make_emulator_requests_atomic  # noqa: E402
from ccm.provision import Provisioner  # noqa: E402
from ccm.storage.archive import ArchiveStore  # noqa: E402
from ccm.storage.catalog import Catalog  # noqa: E402
from ccm.storage.repository import Repository  # noqa: E402

# Tests run fleet commands, moto and the local stack in threads, on whatever CPython the developer has.
serialize_ast_construction()
make_emulator_requests_atomic()


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def app_config() -> AppConfig:
    return load_config(CONFIG_PATH)


@pytest.fixture
def ses_config() -> SesConfig:
    return load_ses_config(SES_CONFIG_PATH)


@pytest.fixture
def repository(aws: None) -> Repository:
    """The bucket and table created by the real provisioner (SES lists left to the tests that need them)."""
    Provisioner(load_config(CONFIG_PATH), load_ses_config(SES_CONFIG_PATH), BUCKET, TABLE).run(with_ses=False)
    return Repository(ArchiveStore(BUCKET), Catalog(TABLE))
