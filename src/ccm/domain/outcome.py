"""How a completed change ended: the outcome its implementer records when marking it completed."""

from __future__ import annotations

from enum import StrEnum

NOTE_LIMIT = 2_000
"""Characters of an outcome note: a short account, not a post-mortem."""


class ChangeOutcome(StrEnum):
    SUCCESSFUL = "successful"
    SUCCESSFUL_WITH_ISSUES = "successful_with_issues"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"

    @property
    def words(self) -> str:
        """The outcome as people write it (email subjects, the portal, reports)."""
        return OUTCOME_WORDS[self]

    @property
    def needs_note(self) -> bool:
        return self is not ChangeOutcome.SUCCESSFUL


OUTCOME_WORDS: dict[ChangeOutcome, str] = {
    ChangeOutcome.SUCCESSFUL: "Successful",
    ChangeOutcome.SUCCESSFUL_WITH_ISSUES: "Successful with issues",
    ChangeOutcome.ROLLED_BACK: "Rolled back",
    ChangeOutcome.FAILED: "Failed",
}


def outcome_problem(outcome: ChangeOutcome, note: str) -> str | None:
    """Why ``note`` does not go with ``outcome``, or ``None`` when it does."""
    if outcome.needs_note and not note.strip():
        return f"a note is required when the outcome is {outcome.words.lower()}: say what happened"
    if len(note) > NOTE_LIMIT:
        return f"the note has {len(note)} characters; at most {NOTE_LIMIT}"
    return None
