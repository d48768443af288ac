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
