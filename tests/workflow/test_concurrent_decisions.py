"""Approvers deciding at the same moment: never a lost decision, never a double approval."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from ccm.config import AppConfig
from ccm.domain.objects import AnyObject, ModificationType
from ccm.domain.status import Status
from ccm.errors import VersionConflict
from ccm.storage.memory import InMemoryRepository
from ccm.workflow import Actor, Services, submit
from ccm.workflow.approval_commands import ApprovalCommand
from ccm.workflow.commands import ChangeSubmission
from ccm.workflow.decisions import approve
from tests.api.policies import config_with
from tests.workflow.conftest import NOW

CAB = [f"cab-{name}@example.com" for name in ("one", "two", "three")]


@dataclass
class CountingRepository(InMemoryRepository):
    """The in-memory store, counting trigger writes and letting every reader read before anyone writes."""

    trigger_writes: list[str] = field(default_factory=list)
    barrier: threading.Barrier | None = None

    def put_trigger(self, customer_code: str, obj: AnyObject, request_type: str) -> str:
        self.trigger_writes.append(request_type)
        return super().put_trigger(customer_code, obj, request_type)

    def get(self, object_id: str) -> Any:
        found = super().get(object_id)
        if self.barrier is not None:
            # The later re-reads of a retry go on alone once the barrier has broken.
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait(timeout=2)
        return found


@pytest.fixture
def config() -> AppConfig:
    everyone = {
        "groups": {"ccm-cab": {"members": CAB}},
        "base": {"label": "CAB", "groups": ["ccm-cab"], "required": "all"},
    }
    return config_with(everyone)


def test_three_approvers_at_once_are_all_counted_and_approve_once(config: AppConfig) -> None:
    store = CountingRepository(clock=lambda: NOW)
    services = Services(store, config, clock=lambda: NOW)
    command = ChangeSubmission.model_validate(
        {"changeTitle": "Rotate keys", "customers": ["alpha"], "implementationPlan": "Rotate"}
    )
    change_id = submit(services, Actor.of("requester@example.com", [], config.authorization), command).stored.obj.id
    store.trigger_writes.clear()
    store.barrier = threading.Barrier(len(CAB))
    errors: list[Exception] = []

    def decide(email: str) -> None:
        try:
            approve(
                services,
                Actor.of(email, ["ccm-cab"], config.authorization),
                change_id,
                ApprovalCommand(),
                kind="change",
            )
        except Exception as error:  # collected: the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=decide, args=(email,)) for email in CAB]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = store.get(change_id).obj
    assert errors == []
    assert sorted(decision.by for decision in stored.approval_decisions) == sorted(CAB)
    assert stored.status is Status.APPROVED
    assert [m.modification_type for m in stored.modifications].count(ModificationType.APPROVED) == 1
    assert store.trigger_writes == ["approved_announcement"]


def test_a_decision_pinned_to_a_version_someone_else_replaced_is_refused_not_lost(config: AppConfig) -> None:
    store = CountingRepository(clock=lambda: NOW)
    services = Services(store, config, clock=lambda: NOW)
    command = ChangeSubmission.model_validate({"changeTitle": "Rotate keys", "customers": ["alpha"]})
    stored = submit(services, Actor.of("requester@example.com", [], config.authorization), command).stored
    first, second = (Actor.of(email, ["ccm-cab"], config.authorization) for email in CAB[:2])

    approve(services, first, stored.obj.id, ApprovalCommand(), kind="change", expected_etag=stored.etag)
    with pytest.raises(VersionConflict):
        approve(services, second, stored.obj.id, ApprovalCommand(), kind="change", expected_etag=stored.etag)

    assert [decision.by for decision in store.get(stored.obj.id).obj.approval_decisions] == [CAB[0]]
