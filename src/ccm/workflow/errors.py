"""Errors of the workflow: who may act, what the input got wrong, what the status forbids.

Like every domain error they carry data, not HTTP: the API maps each class to a status code in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from ccm.domain.objects import InvalidDocument
from ccm.errors import CcmError


class NotAuthenticated(CcmError):
    """No verified identity came with the request."""


class Forbidden(CcmError):
    """The caller is known but may not do this."""


class NotAvailable(CcmError):
    """What was asked needs a part the service was built without (the customers' SES for audience counts)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: which field, why, and the original system's error type."""

    field: str
    message: str
    type: str = "VALIDATION_ERROR"


class InvalidInput(CcmError):
    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{problem.field}: {problem.message}" for problem in self.problems))

    @classmethod
    def one(cls, field: str, message: str, type_: str = "VALIDATION_ERROR") -> InvalidInput:
        return cls([Problem(field, message, type_)])

    @classmethod
    def from_validation(cls, error: ValidationError) -> InvalidInput:
        return cls.from_document(InvalidDocument.from_validation(error))

    @classmethod
    def from_document(cls, error: InvalidDocument) -> InvalidInput:
        return cls(Problem(field, message) for field, message in error.problems)


class ActionNotAllowed(CcmError):
    """The object's status forbids the action (editing a completed change, deleting an approved one)."""

    def __init__(self, action: str, current: str, allowed_statuses: Iterable[str]) -> None:
        self.action = action
        self.current = current
        self.allowed_statuses = sorted(allowed_statuses)
        super().__init__(
            f"cannot {action} an object in status {current}; allowed only in: {', '.join(self.allowed_statuses)}"
        )


@dataclass(frozen=True)
class FreezeConflict:
    """One freeze occurrence a change's window meets, for which of its customers."""

    name: str
    reason: str
    customers: list[str]
    start: str
    end: str
    timezone: str


class FrozenWindow(CcmError):
    """The change's window meets a freeze window of one of its customers, and it is no justified emergency."""

    def __init__(self, object_id: str, action: str, freezes: Iterable[FreezeConflict]) -> None:
        self.object_id = object_id
        self.action = action
        self.freezes = list(freezes)
        described = "; ".join(
            f"'{freeze.name}' for {', '.join(freeze.customers)} ({freeze.start} to {freeze.end}, {freeze.timezone})"
            for freeze in self.freezes
        )
        super().__init__(
            f"{object_id} cannot be {action}: its window meets the freeze window {described}. Only an emergency "
            "change (changeType emergency) with an emergencyJustification may enter a freeze."
        )


class FeedNotFound(CcmError):
    """No such customer, or not its feed token: one answer for both, so a guess learns nothing."""

    def __init__(self) -> None:
        super().__init__("no such feed")


class FeedbackNotFound(CcmError):
    """A rating link that is not (or no longer) valid: one answer for every reason, so a guess learns nothing."""

    def __init__(self) -> None:
        super().__init__("this link is no longer valid")
