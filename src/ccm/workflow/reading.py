"""Reading one object and its versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccm.domain.times import format_rfc3339
from ccm.errors import ObjectNotFound
from ccm.storage.archive import Location, Stored, normalize_etag
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.editing import not_found
from ccm.workflow.fields import require_id
from ccm.workflow.permissions import require_reader
from ccm.workflow.services import Services


def get_object(
    services: Services,
    actor: Actor,
    object_id: str,
    *,
    kind: Kind,
    if_none_match: str | None = None,
    location: Location | None = None,
) -> Stored | None:
    """The object, or ``None`` when it still has the ETag ``if_none_match`` (HTTP 304)."""
    require_id(object_id, kind)
    try:
        stored: Stored | None
        if location is not None:
            stored = services.repository.get_at(location, object_id)
            if normalize_etag(if_none_match) == stored.etag:
                return None
        elif if_none_match:
            stored = services.repository.get_if_changed(object_id, if_none_match)
        else:
            stored = services.repository.get(object_id)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    if stored is not None:
        require_reader(actor, stored.obj)
    return stored


@dataclass(frozen=True)
class VersionInfo:
    version: int
    current: bool
    last_modified: str | None
    size: int | None

    def public(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "current": self.current,
            "lastModified": self.last_modified,
            "size": self.size,
        }


def list_versions(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> list[VersionInfo]:
    """Every version, newest first: the current one, then each snapshot kept when it was replaced."""
    current = get_object(services, actor, object_id, kind=kind)
    assert current is not None
    obj = current.obj
    modified = obj.modified_at or obj.created_at
    versions = [VersionInfo(obj.version, True, format_rfc3339(modified) if modified else None, None)]
    for entry in services.repository.versions(object_id):
        if entry.version != obj.version:
            versions.append(VersionInfo(entry.version, False, format_rfc3339(entry.last_modified), entry.size))
    return versions


def read_version(services: Services, actor: Actor, object_id: str, version: int, *, kind: Kind) -> dict[str, Any]:
    """One version's document; the current version is the object itself."""
    current = get_object(services, actor, object_id, kind=kind)
    assert current is not None
    if version == current.obj.version:
        return current.document
    if version < 1 or version > current.obj.version:
        raise ObjectNotFound(f"{object_id} v{version}", "version")
    return services.repository.version(object_id, version)
