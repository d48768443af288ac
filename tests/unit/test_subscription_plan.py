"""The difference SubscriptionConfig.json makes to a contact list: what it writes, claims and leaves alone."""

from __future__ import annotations

from ccm.config import SubscriptionStatus
from ccm.ses_admin.contacts import Contact
from ccm.ses_admin.subscription_plan import plan_subscriptions
from ccm.ses_admin.subscription_record import Grant
from ccm.subscription_config import Listed

IN, OUT = SubscriptionStatus.OPT_IN, SubscriptionStatus.OPT_OUT


def listed(email: str, *topics: str) -> dict[str, Listed]:
    return {email.lower(): Listed(email, topics)}


def test_a_new_address_becomes_a_contact_with_explicit_opt_ins_and_is_recorded_as_created() -> None:
    plan = plan_subscriptions(listed("NOC@x.com", "aws-calendar", "aws-announce"), {}, {}, {})

    assert plan.creates == [Contact("NOC@x.com", {"aws-calendar": IN, "aws-announce": IN})]
    assert plan.record_after == {"noc@x.com": Grant(topics=("aws-announce", "aws-calendar"), created=True)}


def test_a_contact_already_right_is_not_written_and_its_record_does_not_change() -> None:
    record = {"noc@x.com": Grant(topics=("aws-calendar",), created=True)}
    existing = {"noc@x.com": Contact("noc@x.com", {"aws-calendar": IN})}

    plan = plan_subscriptions(listed("noc@x.com", "aws-calendar"), existing, record, {})

    assert plan.writes == 0 and plan.unchanged == 1
    assert plan.record_after == record


def test_an_opt_out_is_the_persons_choice_kept_and_reported() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-calendar": OUT})}

    plan = plan_subscriptions(listed("a@x.com", "aws-calendar", "aws-announce"), existing, {}, {})

    ((_, after),) = plan.updates
    assert dict(after.preferences) == {"aws-calendar": OUT, "aws-announce": IN}
    assert plan.opted_out == ["a@x.com: aws-calendar"]
    assert plan.record_after["a@x.com"].topics == ("aws-announce",)


def test_an_address_unsubscribed_from_everything_is_not_written_and_is_reported() -> None:
    existing = {"a@x.com": Contact("a@x.com", {}, unsubscribe_all=True)}

    plan = plan_subscriptions(listed("a@x.com", "aws-calendar"), existing, {}, {})

    assert plan.writes == 0 and plan.unsubscribed == ["a@x.com"]
    assert plan.record_after == {"a@x.com": Grant()}, "so the import keeps the contact and with it the choice"


def test_an_opt_in_the_person_chose_is_not_claimed_so_pruning_never_withdraws_it() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-calendar": IN})}
    first = plan_subscriptions(listed("a@x.com", "aws-calendar"), existing, {}, {})
    assert first.writes == 0 and first.record_after == {"a@x.com": Grant(topics=())}

    pruned = plan_subscriptions({}, existing, first.record_after, {}, prune=True)

    assert pruned.writes == 0 and pruned.record_after == {}


def test_an_opt_in_the_import_granted_is_claimed_too_so_either_side_keeps_it() -> None:
    existing = {"a@x.com": Contact("a@x.com", {"aws-calendar": IN})}

    plan = plan_subscriptions(listed("a@x.com", "aws-calendar"), existing, {}, {"a@x.com": ["aws-calendar"]})

    assert plan.writes == 0 and plan.record_after["a@x.com"].topics == ("aws-calendar",)


def test_grants_no_longer_listed_wait_for_prune_then_only_what_the_import_lacks_is_withdrawn() -> None:
    record = {"a@x.com": Grant(topics=("aws-calendar", "aws-announce", "general-updates"))}
    existing = {"a@x.com": Contact("a@x.com", {"aws-calendar": IN, "aws-announce": IN, "general-updates": IN})}
    want = listed("a@x.com", "general-updates")
    held = {"a@x.com": ["aws-announce"]}

    kept = plan_subscriptions(want, existing, record, held)
    pruned = plan_subscriptions(want, existing, record, held, prune=True)

    assert kept.writes == 0
    assert kept.awaiting_prune == ["a@x.com: aws-announce", "a@x.com: aws-calendar"]
    assert kept.record_after == record
    ((_, after),) = pruned.updates
    assert dict(after.preferences) == {"aws-announce": IN, "general-updates": IN}
    assert pruned.record_after == {"a@x.com": Grant(topics=("general-updates",))}


def test_a_pruned_contact_this_file_created_is_removed_unless_the_import_or_the_person_still_has_a_use_for_it() -> None:
    record = {
        "gone@x.com": Grant(topics=("aws-calendar",), created=True),
        "imported@x.com": Grant(topics=("aws-calendar",), created=True),
        "chose@x.com": Grant(topics=("aws-calendar",), created=True),
        "before@x.com": Grant(topics=("aws-calendar",), created=False),
    }
    existing = {
        "gone@x.com": Contact("gone@x.com", {"aws-calendar": IN}),
        "imported@x.com": Contact("imported@x.com", {"aws-calendar": IN, "aws-announce": IN}),
        "chose@x.com": Contact("chose@x.com", {"aws-calendar": IN, "general-updates": IN}),
        "before@x.com": Contact("before@x.com", {"aws-calendar": IN}),
    }

    plan = plan_subscriptions({}, existing, record, {"imported@x.com": ["aws-announce"]}, prune=True)

    assert [contact.email for contact in plan.removals] == ["gone@x.com"]
    updated = {before.email: dict(after.preferences) for before, after in plan.updates}
    assert updated == {
        "imported@x.com": {"aws-announce": IN},
        "chose@x.com": {"general-updates": IN},
        "before@x.com": {},
    }
    assert plan.record_after == {}


def test_an_unlisted_address_that_unsubscribed_from_everything_is_left_alone_even_when_pruning() -> None:
    record = {"a@x.com": Grant(topics=("aws-calendar",), created=True)}
    existing = {"a@x.com": Contact("a@x.com", {"aws-calendar": IN}, unsubscribe_all=True)}

    plan = plan_subscriptions({}, existing, record, {}, prune=True)

    assert plan.writes == 0 and plan.unsubscribed == ["a@x.com"] and plan.record_after == record


def test_a_recorded_address_whose_contact_is_gone_is_forgotten() -> None:
    plan = plan_subscriptions({}, {}, {"a@x.com": Grant(topics=("aws-calendar",))}, {})
    assert plan.writes == 0 and plan.record_after == {}


def test_addresses_are_matched_without_regard_to_case() -> None:
    existing = {"desk@x.com": Contact("Desk@X.com", {})}

    plan = plan_subscriptions(listed("desk@x.com", "aws-announce"), existing, {}, {})

    ((_, after),) = plan.updates
    assert after.email == "Desk@X.com" and dict(after.preferences) == {"aws-announce": IN}
