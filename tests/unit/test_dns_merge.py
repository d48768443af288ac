"""Route 53 UPSERTs that add ours and keep everyone else's values."""

from __future__ import annotations

from ccm.sending_domains.records import DELIVERABILITY_TTL, Merge, WantedRecord
from ccm.sending_domains.route53 import RecordSet, change_batches, plan_changes

SPF = WantedRecord("example.com", "TXT", '"v=spf1 include:amazonses.com ~all"', 300, Merge.SPF, "SPF")
DMARC = WantedRecord("_dmarc.example.com", "TXT", '"v=DMARC1; p=reject"', 300, Merge.DMARC, "DMARC")


def zone(*sets: tuple[str, str, list[str]]) -> dict[tuple[str, str], RecordSet]:
    return {(name, kind): RecordSet(name, kind, 3600, tuple(values)) for name, kind, values in sets}


def test_an_existing_spf_policy_gains_the_ses_include_before_its_all() -> None:
    (change,) = plan_changes(zone(("example.com", "TXT", ['"v=spf1 mx ?all"', '"other"'])), [SPF])
    assert change.after == ('"v=spf1 mx include:amazonses.com ?all"', '"other"')
    assert change.ttl == 3600


def test_an_spf_policy_that_already_includes_ses_is_left_alone() -> None:
    assert plan_changes(zone(("example.com", "TXT", ['"v=spf1 include:amazonses.com -all"'])), [SPF]) == []


def test_a_dmarc_policy_is_replaced_and_other_values_at_the_name_kept() -> None:
    current = zone(("_dmarc.example.com", "TXT", ['"v=DMARC1; p=none"', '"note"']))
    (change,) = plan_changes(current, [DMARC])
    assert change.after == ('"note"', '"v=DMARC1; p=reject"')


def test_mx_values_are_added_to_the_set_and_names_compare_without_case_or_dot() -> None:
    mx = WantedRecord("bounce.example.com", "MX", "10 feedback-smtp.us-east-1.amazonses.com", 300, Merge.MEMBER, "MX")
    present = zone(("bounce.example.com", "MX", ["10 FEEDBACK-SMTP.us-east-1.amazonses.com."]))
    assert plan_changes(present, [mx]) == []
    (change,) = plan_changes(zone(("bounce.example.com", "MX", ["20 backup.example.net"])), [mx])
    assert change.after == ("20 backup.example.net", "10 feedback-smtp.us-east-1.amazonses.com")


def test_a_new_record_set_gets_the_wanted_ttl() -> None:
    (change,) = plan_changes({}, [SPF])
    assert change.as_change()["ResourceRecordSet"] == {
        "Name": "example.com.",
        "Type": "TXT",
        "TTL": DELIVERABILITY_TTL,
        "ResourceRecords": [{"Value": '"v=spf1 include:amazonses.com ~all"'}],
    }


def test_change_batches_stay_within_route53s_limit() -> None:
    wanted = [
        WantedRecord(f"h{i}.example.com", "CNAME", f"t{i}.example.net", 600, Merge.ONLY, "x") for i in range(2500)
    ]
    batches = change_batches(plan_changes({}, wanted), "test")
    assert [len(batch["Changes"]) for batch in batches] == [1000, 1000, 500]
