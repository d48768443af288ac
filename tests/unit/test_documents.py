from __future__ import annotations

import pytest

from ccm.domain.ids import AnnouncementType, new_announcement_id, new_change_id, validate_id
from ccm.domain.objects import Announcement, Change, InvalidDocument, parse_document
from ccm.errors import InvalidId


def test_unknown_keys_survive_a_round_trip() -> None:
    document = {
        "object_type": "change",
        "changeId": "CHG-abc",
        "changeTitle": "Patch",
        "customers": ["alpha"],
        "implementationBeginDate": "2026-01-05",
        "attendees": "a@example.com",
        "meeting_metadata": {
            "meeting_id": "m1",
            "join_url": "https://teams.example/j",
            "start_time": "2026-01-05T15:00:00Z",
            "end_time": "2026-01-05T16:00:00Z",
            "subject": "Patch",
            "organizer_notes": "kept",
        },
        "surveyFlag": {"nested": [1, 2]},
    }
    out = parse_document(document).to_document()
    assert out["implementationBeginDate"] == "2026-01-05"
    assert out["surveyFlag"] == {"nested": [1, 2]}
    assert out["meeting_metadata"]["organizer_notes"] == "kept"
    assert out["attendees"] == "a@example.com"


def test_offset_less_times_are_wall_clock_in_the_change_zone() -> None:
    obj = parse_document(
        {
            "changeId": "CHG-1",
            "changeTitle": "T",
            "customers": ["a"],
            "timezone": "Asia/Tokyo",
            "implementationStart": "2026-03-01T09:00",
            "implementationEnd": "2026-03-01T10:30:00+01:00",
        }
    )
    out = obj.to_document()
    assert out["implementationStart"] == "2026-03-01T00:00:00Z"
    assert out["implementationEnd"] == "2026-03-01T09:30:00Z"


def test_announcements_keep_snake_case_and_take_their_type_from_object_type() -> None:
    obj = parse_document(
        {
            "object_type": "announcement_finops",
            "announcement_id": "FIN-1",
            "title": "Budgets",
            "customers": ["b", "a"],
            "created_by": "Owner@Example.com",
            "created_at": "2026-01-01T00:00:00Z",
        }
    )
    assert isinstance(obj, Announcement)
    assert obj.announcement_type is AnnouncementType.FINOPS
    assert obj.owner == "owner@example.com"
    out = obj.to_document()
    assert out["created_by"] == "Owner@Example.com"
    assert out["customers"] == ["a", "b"]
    assert out["object_type"] == "announcement_finops"


def test_a_document_without_object_type_is_a_change() -> None:
    assert isinstance(parse_document({"changeId": "CHG-1", "changeTitle": "T"}), Change)


def test_invalid_documents_list_each_field() -> None:
    with pytest.raises(InvalidDocument) as caught:
        parse_document({"changeId": "CHG-1", "timezone": "Nowhere/Land", "implementationStart": "yesterday"})
    fields = {field for field, _ in caught.value.problems}
    assert {"changeTitle", "timezone", "implementationStart"} <= fields


def test_meeting_metadata_needs_start_before_end() -> None:
    with pytest.raises(InvalidDocument, match="start_time must be before end_time"):
        parse_document(
            {
                "changeId": "CHG-1",
                "changeTitle": "T",
                "meeting_metadata": {
                    "meeting_id": "m",
                    "subject": "s",
                    "start_time": "2026-01-01T10:00:00Z",
                    "end_time": "2026-01-01T09:00:00Z",
                },
            }
        )


def test_a_meeting_scheduled_entry_must_carry_its_meeting() -> None:
    with pytest.raises(InvalidDocument, match="meeting_scheduled"):
        parse_document(
            {
                "changeId": "CHG-1",
                "changeTitle": "T",
                "modifications": [
                    {
                        "timestamp": "2026-01-01T00:00:00Z",
                        "user_id": "arn:aws:iam::1:role/x",
                        "modification_type": "meeting_scheduled",
                    }
                ],
            }
        )


def test_generated_ids_have_the_original_prefixes() -> None:
    assert new_change_id().startswith("CHG-")
    assert new_announcement_id(AnnouncementType.CIC).startswith("CIC-")
    assert new_announcement_id(AnnouncementType.FINOPS).startswith("FIN-")
    assert new_announcement_id(AnnouncementType.INNERSOURCE).startswith("INN-")
    assert new_announcement_id(AnnouncementType.GENERAL).startswith("GEN-")
    assert validate_id(new_change_id())


@pytest.mark.parametrize(
    "bad",
    ["", "../archive/x", "CHG-../../x", "CHG-a/b", "CHG-", "ANN-1", "chg-1", "CHG-a b", "CHG-" + "x" * 101],
)
def test_ids_that_could_escape_their_key_are_refused(bad: str) -> None:
    with pytest.raises(InvalidId):
        validate_id(bad)
