"""Lists, search and statistics through the service functions, on the in-memory store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ccm.domain.status import Status
from ccm.errors import InvalidCursor
from ccm.workflow import Actor, InvalidInput, Search, Services, drafts, list_objects, my_objects, search, statistics
from ccm.workflow.commands import AnnouncementDraft, ChangeDraft, ChangeSubmission
from ccm.workflow.creating import save_draft, submit
from ccm.workflow.transitions import transition
from tests.workflow.conftest import NOW


class Moving:
    """A clock the test moves, so that every object has its own modification time."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def moving(services: Services) -> Services:
    return Services(services.repository, services.config, clock=Moving())


def submitted(services: Services, actor: Actor, title: str, customers: list[str]) -> str:
    command = ChangeSubmission.model_validate({"changeTitle": title, "customers": customers})
    return submit(services, actor, command).stored.obj.id


def test_lists_are_newest_first_and_show_only_the_callers_own_drafts(
    moving: Services, requester: Actor, colleague: Actor
) -> None:
    first = submitted(moving, requester, "First", ["alpha"])
    mine = save_draft(moving, requester, ChangeDraft.model_validate({"changeTitle": "Mine"})).stored.obj.id
    save_draft(moving, colleague, ChangeDraft.model_validate({"changeTitle": "Theirs"}))
    last = submitted(moving, colleague, "Last", ["bravo"])

    assert [s.id for s in list_objects(moving, requester, kind="change").items] == [last, mine, first]
    assert [s.id for s in list_objects(moving, requester, kind="change", customer="alpha").items] == [first]
    assert [s.id for s in my_objects(moving, colleague, kind="change", status=Status.SUBMITTED).items] == [last]


def test_drafts_of_both_kinds_page_together(moving: Services, requester: Actor) -> None:
    change_ids = [
        save_draft(moving, requester, ChangeDraft.model_validate({"changeTitle": f"C{i}"})).stored.obj.id
        for i in range(3)
    ]
    announcement = AnnouncementDraft.model_validate({"title": "A", "announcement_type": "cic"})
    announcement_id = save_draft(moving, requester, announcement).stored.obj.id

    first = drafts(moving, requester, limit=2)
    second = drafts(moving, requester, limit=2, cursor=first.cursor)

    assert {s.id for s in first.items} == {change_ids[2], change_ids[1], announcement_id}
    assert [s.id for s in second.items] == [change_ids[0]] and second.cursor is None
    with pytest.raises(InvalidCursor):
        drafts(moving, requester, cursor="!!")


def test_search_narrows_by_text_creator_customers_and_dates(
    moving: Services, requester: Actor, colleague: Actor
) -> None:
    kernel = submitted(moving, requester, "Patch the kernel", ["alpha"])
    submitted(moving, colleague, "Rotate keys", ["bravo"])

    assert [s.id for s in search(moving, requester, Search(text="KERNEL")).items] == [kernel]
    assert [s.id for s in search(moving, requester, Search(created_by="requester")).items] == [kernel]
    assert [s.id for s in search(moving, requester, Search(customers=("alpha", "delta"))).items] == [kernel]
    assert len(search(moving, requester, Search(date_range="today")).items) == 2
    assert search(moving, requester, Search(date_range="custom", start_date="2031-01-01")).items == []
    with pytest.raises(InvalidInput, match="is not a date"):
        search(moving, requester, Search(date_range="custom", start_date="someday"))


def test_statistics_count_everyones_objects_but_only_the_callers_drafts(
    moving: Services, requester: Actor, colleague: Actor, approver: Actor
) -> None:
    approved = submitted(moving, requester, "One", ["alpha"])
    transition(moving, approver, approved, Status.APPROVED, kind="change")
    submitted(moving, colleague, "Two", ["alpha"])
    save_draft(moving, colleague, ChangeDraft.model_validate({"changeTitle": "Hidden"}))
    save_draft(moving, requester, ChangeDraft.model_validate({"changeTitle": "Mine"}))

    counts = statistics(moving, requester)

    assert (counts["approved"], counts["submitted"], counts["draft"], counts["total"]) == (1, 1, 1, 3)
    assert counts["mine"]["total"] == 2
