"""Backup files of a contact list, and restoring one without deleting anybody.

The file format is the original tool's (``contact_list``, ``contacts``, ``backup_metadata``), so its backups
restore too; new files add the customer code to ``backup_metadata`` and name the customer in the file name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ccm.config import SubscriptionStatus
from ccm.domain.times import format_rfc3339, utc_now
from ccm.errors import CcmError
from ccm.ses_admin.contacts import Contact, ListDetails, ListTopic

TOOL = "ccm"


class InvalidBackup(CcmError):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BackupTopic(_Model):
    name: str = Field(alias="TopicName", min_length=1)
    display_name: str = Field(default="", alias="DisplayName")
    description: str = Field(default="", alias="Description")
    default_status: SubscriptionStatus = Field(default=SubscriptionStatus.OPT_OUT, alias="DefaultSubscriptionStatus")


class BackupPreference(_Model):
    topic: str = Field(alias="TopicName", min_length=1)
    status: SubscriptionStatus = Field(alias="SubscriptionStatus")


class BackupContact(_Model):
    email_address: str = Field(min_length=3)
    topic_preferences: list[BackupPreference] = Field(default_factory=list)
    unsubscribe_all: bool = False

    def contact(self) -> Contact:
        return Contact(self.email_address, {p.topic: p.status for p in self.topic_preferences}, self.unsubscribe_all)


class BackupList(_Model):
    name: str
    description: str = ""
    topics: list[BackupTopic] = Field(default_factory=list)


class BackupFile(_Model):
    contact_list: BackupList
    contacts: list[BackupContact]
    backup_metadata: dict[str, Any] = Field(default_factory=dict)

    def list_topics(self) -> list[ListTopic]:
        return [
            ListTopic(t.name, t.display_name or t.name, t.description, t.default_status)
            for t in self.contact_list.topics
        ]


def _iso(value: datetime | None) -> str | None:
    return format_rfc3339(value) if value else None


def backup_document(code: str, details: ListDetails, contacts: list[Contact], action: str) -> dict[str, Any]:
    return {
        "contact_list": {
            "name": details.name,
            "description": details.description,
            "topics": [topic.as_document() for topic in details.topics],
            "created_at": _iso(details.created),
            "updated_at": _iso(details.updated),
        },
        "contacts": [contact.as_document() for contact in contacts],
        "backup_metadata": {
            "timestamp": format_rfc3339(utc_now()),
            "tool": TOOL,
            "action": action,
            "customer": code,
        },
    }


def write_backup(directory: Path, code: str, document: dict[str, Any]) -> Path:
    """Write next to nothing else: the name carries list, customer and second, and an existing file is kept."""
    directory.mkdir(parents=True, exist_ok=True)
    safe_list = re.sub(r"[^A-Za-z0-9_.-]", "_", str(document["contact_list"]["name"]))
    stamp = utc_now().strftime("%Y%m%d-%H%M%S")
    path = directory / f"ses-backup-{safe_list}-{code}-{stamp}.json"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"ses-backup-{safe_list}-{code}-{stamp}-{counter}.json"
    with path.open("x", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    return path


def read_backup(path: Path) -> BackupFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidBackup(f"{path}: file not found") from None
    except (OSError, json.JSONDecodeError) as error:
        raise InvalidBackup(f"{path}: not a readable JSON backup: {error}") from None
    try:
        return BackupFile.model_validate(data)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise InvalidBackup(f"{path.name}: {where}: {problem['msg']}") from None


@dataclass
class RestorePlan:
    creates: list[Contact] = field(default_factory=list)
    updates: list[Contact] = field(default_factory=list)
    unchanged: int = 0
    dropped_topics: list[str] = field(default_factory=list)
    """Topics with preferences in the backup that the list no longer has; those preferences cannot be restored."""


def plan_restore(backup: BackupFile, existing: dict[str, Contact], list_topics: list[str]) -> RestorePlan:
    """Bring every contact of the backup back as it was; contacts not in the backup are left alone."""
    plan = RestorePlan()
    dropped: set[str] = set()
    for entry in backup.contacts:
        saved = entry.contact()
        preferences = {t: s for t, s in saved.preferences.items() if t in list_topics}
        dropped.update(set(saved.preferences) - set(preferences))
        current = existing.get(saved.key)
        if current is None:
            plan.creates.append(Contact(saved.email, preferences, saved.unsubscribe_all))
        elif dict(current.preferences) != preferences or current.unsubscribe_all != saved.unsubscribe_all:
            plan.updates.append(Contact(current.email, preferences, saved.unsubscribe_all))
        else:
            plan.unchanged += 1
    plan.dropped_topics = sorted(dropped)
    return plan
