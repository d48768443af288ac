"""Domain errors. Each is mapped to an HTTP status or a CLI exit code in exactly one place."""

from __future__ import annotations

from collections.abc import Iterable


class CcmError(Exception):
    """Base class of every error the core raises on purpose."""


class ConfigError(CcmError):
    """A configuration file is missing, unreadable or invalid. The message names file, key and reason."""


class InvalidId(CcmError):
    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"invalid id {value!r}: {reason}")
        self.value = value
        self.reason = reason


class ObjectNotFound(CcmError):
    def __init__(self, object_id: str, what: str = "object") -> None:
        super().__init__(f"{what} {object_id} not found")
        self.object_id = object_id


class ChangeNotFound(ObjectNotFound):
    def __init__(self, object_id: str) -> None:
        super().__init__(object_id, "change")


class AnnouncementNotFound(ObjectNotFound):
    def __init__(self, object_id: str) -> None:
        super().__init__(object_id, "announcement")


class AlreadyExists(CcmError):
    def __init__(self, object_id: str) -> None:
        super().__init__(f"{object_id} already exists")
        self.object_id = object_id


class VersionConflict(CcmError):
    """The caller's view of an object is stale; ``current`` is what is stored now."""

    def __init__(self, object_id: str, current_etag: str | None, current: dict[str, object] | None) -> None:
        super().__init__(f"{object_id} was changed by someone else")
        self.object_id = object_id
        self.current_etag = current_etag
        self.current = current


class TransitionNotAllowed(CcmError):
    def __init__(self, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.requested = requested
        self.allowed = sorted(allowed)
        allowed_text = ", ".join(self.allowed) if self.allowed else "none"
        super().__init__(f"cannot move from {current} to {requested}; allowed from {current}: {allowed_text}")


class InvalidCursor(CcmError):
    def __init__(self) -> None:
        super().__init__("the paging cursor is malformed or expired")


class UnknownCustomer(CcmError):
    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = sorted(codes)
        super().__init__(f"unknown customer code(s): {', '.join(self.codes)}")
