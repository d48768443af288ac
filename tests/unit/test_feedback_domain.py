"""Rating tokens and the sums of answers, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccm.domain.feedback import (
    Answer,
    FeedbackKey,
    FeedbackKeys,
    clean_comment,
    recipient_hash,
    sign,
    summarise,
    ticket_for,
    verify,
)

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
KEYS = FeedbackKeys(FeedbackKey("k1", b"s" * 32))


def test_a_token_round_trips_and_carries_the_address_only_when_asked() -> None:
    plain = ticket_for("CHG-1", 4, "alpha", " Pat@Alpha.example.com ", NOW)
    kept = ticket_for("CHG-1", 4, "alpha", "pat@alpha.example.com", NOW, with_address=True)

    assert verify(sign(plain, KEYS), KEYS, NOW) == plain
    assert verify(sign(kept, KEYS), KEYS, NOW) == kept
    assert plain.recipient is None and kept.recipient == "pat@alpha.example.com"
    assert plain.recipient_hash == kept.recipient_hash == recipient_hash("CHG-1", "alpha", "pat@alpha.example.com")
    assert "pat" not in sign(plain, KEYS)


def test_the_hash_differs_per_object_and_customer() -> None:
    hashes = {recipient_hash(o, c, "pat@x.io") for o in ("CHG-1", "CHG-2") for c in ("alpha", "bravo")}
    assert len(hashes) == 4


def test_a_token_of_another_key_or_past_its_expiry_is_nothing() -> None:
    token = sign(ticket_for("CHG-1", 4, "alpha", "pat@x.io", NOW), KEYS)
    other = FeedbackKeys(FeedbackKey("k1", b"t" * 32))

    assert verify(token, other, NOW) is None
    assert verify(token, KEYS, NOW + timedelta(days=30)) is None
    assert verify(token, KEYS, NOW + timedelta(days=29, hours=23)) is not None
    assert verify(token + "x", KEYS, NOW) is None and verify("", KEYS, NOW) is None


def test_comments_lose_control_characters_and_stay_within_the_limit() -> None:
    assert clean_comment("  a\r\nb\x00\x1b[31m\tc  ") == "a\nb[31m\tc"
    assert len(clean_comment("x" * 5000)) == 2000


def test_the_sums_of_one_customer() -> None:
    def answer(rating: int, comment: str, minutes: int) -> Answer:
        at = NOW + timedelta(minutes=minutes)
        return Answer("CHG-1", "change", 2, "alpha", f"h{minutes}", rating, comment, at, at)

    summary = summarise("alpha", [answer(5, "great", 1), answer(2, "", 2), answer(2, "slow", 3)], comment_limit=1)

    assert (summary.count, summary.average) == (3, 3.0)
    assert summary.distribution == {1: 0, 2: 2, 3: 0, 4: 0, 5: 1}
    assert [c.comment for c in summary.comments] == ["slow"]
    assert summarise("bravo", []).average is None
