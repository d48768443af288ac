"""The workflow's service functions on the in-memory object store: no HTTP, no moto, milliseconds a test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccm.config import AppConfig
from ccm.storage.memory import InMemoryRepository
from ccm.workflow import Actor, Services

NOW = datetime(2029, 12, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryRepository:
    return InMemoryRepository(clock=lambda: NOW)


@pytest.fixture
def services(store: InMemoryRepository, app_config: AppConfig) -> Services:
    return Services(store, app_config, clock=lambda: NOW)


@pytest.fixture
def requester(app_config: AppConfig) -> Actor:
    return Actor.of("requester@example.com", [], app_config.authorization)


@pytest.fixture
def colleague(app_config: AppConfig) -> Actor:
    return Actor.of("colleague@example.com", [], app_config.authorization)


@pytest.fixture
def approver(app_config: AppConfig) -> Actor:
    return Actor.of("approver@example.com", ["ccm-approvers"], app_config.authorization)


@pytest.fixture
def admin(app_config: AppConfig) -> Actor:
    return Actor.of("admin@example.com", ["ccm-admins"], app_config.authorization)
