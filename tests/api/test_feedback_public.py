"""``/feedback/<token>``: the rating page a completion email links to, outside sign-in (DESIGN decision 13)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from ccm.domain.feedback import FeedbackTicket, sign, ticket_for
from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import ApiClient, ApiResponse
from tests.api.conftest import Clock
from tests.api.helpers import stored_object, submit_change
from tests.api.test_public_routes import FORGED, METHODS, private_paths

RECIPIENT = "pat@alpha.example.com"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def completed(services: Services, **overrides: object) -> str:
    return stored_object(services, "change", Status.COMPLETED, customers=["alpha", "bravo"], **overrides).obj.id


def token_for(services: Services, object_id: str, customer: str = "alpha", address: str = RECIPIENT) -> str:
    ticket = ticket_for(object_id, 3, customer, address, services.clock())
    return sign(ticket, services.feedback_keys.keys())


def post(api: ApiClient, token: str, **fields: str) -> ApiResponse:
    return api.as_(None).request("POST", f"/feedback/{token}", raw_body=urlencode(fields), headers=FORM)


def test_opening_a_link_shows_the_title_and_the_chosen_rating_and_records_nothing(
    api: ApiClient, services: Services
) -> None:
    object_id = completed(services)
    token = token_for(services, object_id)

    for _ in range(3):  # a mail scanner, then the recipient, then a reload
        response = api.as_(None).get(f"/feedback/{token}", query={"rating": "4"})

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert (
        "Content-Security-Policy" in response.headers
        and "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    )
    assert response.headers["Cache-Control"] == "no-store"
    title = services.repository.get(object_id).obj.title
    assert title in response.text
    assert 'value="4" required checked' in response.text
    assert services.feedback.for_object(object_id) == []


def test_a_post_records_the_answer_once_and_sending_again_updates_it(
    api: ApiClient, services: Services, clock: Clock
) -> None:
    object_id = completed(services)
    token = token_for(services, object_id)

    first = post(api, token, rating="2", comment="Took longer than announced")
    clock.advance(hours=1)
    again = post(api, token, rating="4", comment="Fine after all")

    assert first.status == again.status == 200
    assert "your answer is saved" in again.text
    [answer] = services.feedback.for_object(object_id)
    assert (answer.rating, answer.comment, answer.customer_code, answer.revision) == (4, "Fine after all", "alpha", 2)
    assert answer.answered_at - answer.first_answered_at == timedelta(hours=1)
    assert answer.recipient is None and RECIPIENT not in str(answer)


def test_two_recipients_are_two_answers(api: ApiClient, services: Services) -> None:
    object_id = completed(services)

    post(api, token_for(services, object_id), rating="5")
    post(api, token_for(services, object_id, "bravo", "kim@bravo.example.com"), rating="1")

    assert sorted((a.customer_code, a.rating) for a in services.feedback.for_object(object_id)) == [
        ("alpha", 5),
        ("bravo", 1),
    ]


def test_hostile_comments_are_stored_as_text_and_shown_escaped(api: ApiClient, services: Services) -> None:
    object_id = completed(services)
    token = token_for(services, object_id)
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{amazonSESUnsubscribeUrl}}\x00\x1b'

    response = post(api, token, rating="3", comment=hostile)

    [answer] = services.feedback.for_object(object_id)
    assert answer.comment == '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{amazonSESUnsubscribeUrl}}'
    assert "<script>alert(1)" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def _bad_tokens(services: Services, object_id: str, clock: Clock) -> dict[str, str]:
    good = token_for(services, object_id)
    key_id, payload, signature = good.split(".")
    other = completed(services)
    keys = services.feedback_keys.keys()
    expired = sign(ticket_for(object_id, 3, "alpha", RECIPIENT, clock() - timedelta(days=31)), keys)
    not_a_customer = sign(
        FeedbackTicket(object_id, 3, "charlie", "aaaaaaaaaaaaaaaaaaaaaa", clock() + timedelta(days=1)), keys
    )
    altered_payload = token_for(services, other).split(".")[1]
    return {
        "expired": expired,
        "altered signature": f"{key_id}.{payload}.{signature[:-2]}AA",
        "another object's payload": f"{key_id}.{altered_payload}.{signature}",
        "unknown key": f"nokey.{payload}.{signature}",
        "not a token": "hello",
        "a customer the object does not name": not_a_customer,
        "garbage": "a.b.c",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "expired",
        "altered signature",
        "another object's payload",
        "unknown key",
        "not a token",
        "a customer the object does not name",
        "garbage",
    ],
)
def test_every_bad_token_gets_the_same_404_page_and_records_nothing(
    api: ApiClient, services: Services, clock: Clock, kind: str
) -> None:
    object_id = completed(services)
    bad = _bad_tokens(services, object_id, clock)[kind]
    reference = api.as_(None).get("/feedback/hello")

    opened = api.as_(None).get(f"/feedback/{bad}", query={"rating": "5"})
    sent = post(api, bad, rating="5")

    for response in (opened, sent):
        assert (response.status, response.text) == (404, reference.text)
        assert "This link is no longer valid" in response.text
    assert services.feedback.for_object(object_id) == []


def test_a_link_expires_after_30_days(api: ApiClient, services: Services, clock: Clock) -> None:
    object_id = completed(services)
    token = token_for(services, object_id)

    clock.advance(days=29, hours=23)
    assert post(api, token, rating="5").status == 200
    clock.advance(hours=2)
    assert post(api, token, rating="1").status == 404
    assert [a.rating for a in services.feedback.for_object(object_id)] == [5]


def test_links_signed_before_a_key_rotation_still_work_and_two_rotations_end_them(
    api: ApiClient, services: Services
) -> None:
    object_id = completed(services)
    token = token_for(services, object_id)

    services.feedback_keys.rotate()
    assert api.as_(None).get(f"/feedback/{token}").status == 200
    services.feedback_keys.rotate()
    assert api.as_(None).get(f"/feedback/{token}").status == 404


def test_bodies_over_the_limit_bad_ratings_and_other_types_are_refused_with_a_sentence(
    api: ApiClient, services: Services
) -> None:
    object_id = completed(services)
    token = token_for(services, object_id)

    too_big = post(api, token, rating="5", comment="x" * 25_000)
    no_rating = post(api, token, comment="no rating")
    bad_rating = post(api, token, rating="9")
    as_json = api.as_(None).post(f"/feedback/{token}", {"rating": "5"})

    assert too_big.status == 413 and "too long" in too_big.text
    assert no_rating.status == bad_rating.status == 400 and "Choose a rating" in bad_rating.text
    assert as_json.status == 415
    assert services.feedback.for_object(object_id) == []


def test_the_page_stylesheet_and_script_are_public(api: ApiClient) -> None:
    style = api.as_(None).get("/feedback/feedback.css")
    script = api.as_(None).get("/feedback/feedback.js")
    assert style.status == 200 and style.headers["Content-Type"].startswith("text/css")
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "x-amz-content-sha256" in script.text


def test_no_private_route_answers_under_feedback_even_with_forged_identity_headers(
    api: ApiClient, services: Services
) -> None:
    change = submit_change(api)
    token = token_for(services, completed(services))
    tails = [path.lstrip("/") for path in private_paths(api, change["changeId"])]
    candidates = [
        *(f"/feedback/{tail}" for tail in tails),
        *(f"/feedback/../api/{tail}" for tail in tails),
        *(f"/feedback/%2e%2e/api/{tail}" for tail in tails),
        f"/feedback/{token}/../../api/changes",
        "/feedback/openapi.json",
        "/feedback/",
    ]
    reference = api.as_(None).get("/feedback/hello").text

    for path in candidates:
        for method in METHODS:
            response = api.as_(None).request(method, path, headers={**FORGED, **FORM}, raw_body="rating=5")
            assert (response.status, response.text) == (404, reference), (method, path)
    assert services.feedback.between(clock_start(services), services.clock() + timedelta(days=1), "alpha") == []


def clock_start(services: Services) -> datetime:
    return services.clock() - timedelta(days=365)


def test_without_any_key_every_link_is_invalid_and_nothing_is_written(api: ApiClient, services: Services) -> None:
    response = api.as_(None).get("/feedback/k.cGF5bG9hZA.c2ln", query={"rating": "3"})

    assert response.status == 404
    assert services.feedback_keys.existing() is None, "a public GET made no key"
