"""``GET /api/{changes|announcements}/{id}/meeting.ics``: an object's meeting to import into any calendar."""

from __future__ import annotations

import pytest

from ccm.domain.objects import MeetingMetadata, ModificationType
from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import OUTSIDER, ApiClient
from tests.api.conftest import NOW
from tests.api.helpers import collection, stored_object
from tests.meeting_support import read_invitation

MEETING = {
    "meeting_id": "AAMkAGI-meeting=",
    "join_url": "https://teams.example.com/l/meetup-join/abc",
    "start_time": "2030-01-07T15:00:00Z",
    "end_time": "2030-01-07T17:00:00Z",
    "subject": "Change Implementation: Rotate load balancer certificates",
    "organizer": "change-calendar@example.com",
    "ical_uid": "040000008200E00074C5B7101A82E008-UID",
    "provider": "teams",
    "sequence": 2,
}


def with_meeting(services: Services, kind: str, *, cancelled: bool = False) -> str:
    meeting = MeetingMetadata.model_validate(MEETING)
    stored = stored_object(services, kind, Status.APPROVED, include_meeting=True, meeting_metadata=MEETING)

    def annotate(obj: object) -> None:
        assert hasattr(obj, "record")
        obj.record(ModificationType.MEETING_SCHEDULED, "backend", NOW, meeting=meeting)
        if cancelled:
            ended = meeting.model_copy(update={"sequence": 3})
            obj.record(ModificationType.MEETING_CANCELLED, "backend", NOW, meeting=ended)

    services.repository.update(stored.obj.id, annotate, bump_version=False)
    return stored.obj.id


@pytest.mark.parametrize("kind", ["change", "announcement"])
def test_a_meeting_downloads_as_a_calendar_file_with_the_invitations_uid_and_sequence(
    api: ApiClient, services: Services, kind: str
) -> None:
    object_id = with_meeting(services, kind)

    response = api.get(f"/api/{collection(kind)}/{object_id}/meeting.ics")

    assert response.status == 200, response.text
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{object_id}.ics"'
    calendar = read_invitation(response.text)
    assert (calendar.method, calendar.uid, calendar.sequence, calendar.status) == (
        "PUBLISH",
        MEETING["ical_uid"],
        2,
        "CONFIRMED",
    )
    assert f"X-MICROSOFT-SKYPETEAMSMEETINGURL:{MEETING['join_url']}" in calendar.unfolded
    assert (calendar.timezones, calendar.attendees) == (("America/New_York",), ())


def test_a_cancelled_meeting_downloads_as_cancelled_with_the_cancellations_sequence(
    api: ApiClient, services: Services
) -> None:
    object_id = with_meeting(services, "change", cancelled=True)

    calendar = read_invitation(api.get(f"/changes/{object_id}/meeting.ics").text)

    assert (calendar.status, calendar.sequence) == ("CANCELLED", 3)


def test_an_object_without_a_meeting_or_a_stranger_gets_no_file(api: ApiClient, services: Services) -> None:
    plain = stored_object(services, "change", Status.APPROVED).obj.id
    object_id = with_meeting(services, "change")

    missing = api.get(f"/api/changes/{plain}/meeting.ics")
    assert (missing.status, missing.json["error"]) == (404, f"change {plain} has no meeting")
    assert api.get("/api/changes/CHG-00000000-0000-4000-8000-000000000000/meeting.ics").status == 404
    assert api.as_(OUTSIDER).get(f"/api/changes/{object_id}/meeting.ics").status == 403


def test_the_download_is_documented_as_a_calendar_file(api: ApiClient) -> None:
    paths = api.get("/api/openapi.json", identity=None).json["paths"]

    for path in ("/changes/{object_id}/meeting.ics", "/announcements/{object_id}/meeting.ics"):
        assert "text/calendar" in paths[path]["get"]["responses"]["200"]["content"]
        assert "404" in paths[path]["get"]["responses"]
