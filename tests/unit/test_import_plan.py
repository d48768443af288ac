"""The set difference between a directory and a contact list: what the import writes, and what it leaves."""

from __future__ import annotations

import pytest

from ccm.config import SubscriptionStatus
from ccm.contact_import.sync import Desired, EmptyDirectory, plan_import
from ccm.ses_admin.contacts import Contact

IN, OUT = SubscriptionStatus.OPT_IN, SubscriptionStatus.OPT_OUT
TOPICS = ["aws-announce", "aws-calendar", "inner-announce", "aws-approval", "general-updates"]


def want(email: str, *topics: str) -> dict[str, Desired]:
    return {email.lower(): Desired(email, list(topics), [email])}


def test_a_new_user_becomes_a_contact_subscribed_to_its_topics() -> None:
    plan = plan_import(want("a@x.com", "aws-announce", "aws-calendar"), {}, {}, TOPICS)
    assert plan.creates == [Contact("a@x.com", {"aws-announce": IN, "aws-calendar": IN})]
    assert plan.record_after == {"a@x.com": ["aws-announce", "aws-calendar"]}


def test_a_contact_already_right_is_not_written() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-announce": IN})}
    plan = plan_import(want("a@x.com", "aws-announce"), existing, {"a@x.com": ["aws-announce"]}, TOPICS)
    assert plan.writes == 0 and plan.unchanged == 1


def test_withdrawn_grants_are_unsubscribed_but_opt_outs_and_own_choices_stay() -> None:
    before = Contact(
        "a@x.com",
        {"aws-announce": IN, "aws-calendar": OUT, "inner-announce": IN, "general-updates": IN},
        unsubscribe_all=True,
    )
    plan = plan_import(
        want("a@x.com", "aws-announce", "aws-calendar", "aws-approval"),
        {"a@x.com": before},
        {"a@x.com": ["aws-announce", "aws-calendar", "inner-announce"]},
        TOPICS,
    )
    ((_, after),) = plan.updates
    assert dict(after.preferences) == {
        "aws-announce": IN,
        "aws-calendar": OUT,
        "general-updates": IN,
        "aws-approval": IN,
    }
    assert after.unsubscribe_all is True


def test_without_a_record_nothing_is_withdrawn() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-announce": IN, "inner-announce": IN})}
    plan = plan_import(want("a@x.com", "aws-announce"), existing, {}, TOPICS)
    assert plan.writes == 0
    assert plan.record_after == {"a@x.com": ["aws-announce"]}


def test_topics_the_list_does_not_have_are_not_granted() -> None:
    plan = plan_import(want("a@x.com", "aws-announce", "retired-topic"), {}, {}, TOPICS)
    assert plan.creates[0].preferences == {"aws-announce": IN}


def test_imported_contacts_that_left_are_removed_and_others_kept_unless_pruned() -> None:
    existing = {"gone@x.com": Contact("gone@x.com"), "partner@y.com": Contact("partner@y.com")}
    grants = {"gone@x.com": ["aws-announce"]}
    plan = plan_import(want("a@x.com"), existing, grants, TOPICS)
    assert [c.email for c in plan.removals] == ["gone@x.com"] and plan.kept == 1
    assert "gone@x.com" not in plan.record_after
    pruned = plan_import(want("a@x.com"), existing, grants, TOPICS, prune=True)
    assert sorted(c.email for c in pruned.removals) == ["gone@x.com", "partner@y.com"]


def test_a_partial_import_removes_nobody() -> None:
    existing = {"gone@x.com": Contact("gone@x.com")}
    plan = plan_import(want("a@x.com"), existing, {"gone@x.com": []}, TOPICS, partial=True)
    assert plan.removals == [] and plan.record_after["gone@x.com"] == []


def test_an_empty_directory_never_empties_a_list() -> None:
    existing = {"a@x.com": Contact("a@x.com")}
    with pytest.raises(EmptyDirectory, match="refusing to remove 1 imported contact"):
        plan_import({}, existing, {"a@x.com": ["aws-announce"]}, TOPICS, store_id="d-123")


# What the subscription file granted (its record, passed in as ``held``) the import never takes away.


def test_a_role_change_does_not_withdraw_a_topic_the_subscription_file_also_grants() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-calendar": IN, "inner-announce": IN})}
    grants = {"a@x.com": ["aws-calendar", "inner-announce"]}

    plan = plan_import(want("a@x.com"), existing, grants, TOPICS, held={"a@x.com": ["aws-calendar"]})

    ((_, after),) = plan.updates
    assert dict(after.preferences) == {"aws-calendar": IN}


def test_a_departed_user_the_subscription_file_lists_stays_with_only_the_files_topics_until_it_lets_go() -> None:
    stays = Contact("a@x.com")
    existing = {"a@x.com": stays, "gone@x.com": Contact("gone@x.com", {"aws-calendar": IN, "inner-announce": IN})}
    grants = {"a@x.com": [], "gone@x.com": ["aws-calendar", "inner-announce"]}
    held = {"gone@x.com": ["aws-calendar"]}

    plan = plan_import(want("a@x.com"), existing, grants, TOPICS, held=held)

    assert plan.removals == []
    ((_, after),) = plan.updates
    assert dict(after.preferences) == {"aws-calendar": IN}
    assert plan.record_after["gone@x.com"] == []
    now = {"a@x.com": stays, "gone@x.com": after}
    again = plan_import(want("a@x.com"), now, plan.record_after, TOPICS, held=held)
    assert again.writes == 0
    released = plan_import(want("a@x.com"), now, again.record_after, TOPICS, held={})
    assert released.removals == [after] and "gone@x.com" not in released.record_after


def test_pruning_keeps_a_contact_the_subscription_file_lists() -> None:
    existing = {"noc@x.com": Contact("noc@x.com", {"aws-calendar": IN})}

    plan = plan_import(want("a@x.com"), existing, {}, TOPICS, prune=True, held={"noc@x.com": ["aws-calendar"]})

    assert plan.writes == 1 and plan.removals == [] and plan.kept == 1


def test_an_empty_directory_never_withdraws_grants_from_contacts_the_file_keeps_either() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-announce": IN, "aws-calendar": IN})}
    with pytest.raises(EmptyDirectory, match="refusing to remove 1"):
        plan_import({}, existing, {"a@x.com": ["aws-announce"]}, TOPICS, held={"a@x.com": ["aws-calendar"]})
