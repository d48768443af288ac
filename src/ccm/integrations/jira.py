"""Jira Cloud's REST API v3: read an issue's status, add a comment in the Atlassian Document Format (ADF).

v3 takes rich text only as ADF: a ``doc`` (version 1) of block nodes (``paragraph``) holding inline ``text`` nodes,
a link being a text node with a ``link`` mark. Text is passed as it is: ADF has no markup to inject into.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ccm.integrations.http import Answer, Http, Refused, require
from ccm.integrations.servicenow import Authorizer
from ccm.integrations_config import JiraConfig

SYSTEM = "Jira"
ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}$")


@dataclass(frozen=True)
class JiraIssue:
    key: str
    status: str
    summary: str = ""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a comment: plain text, then an optional link."""

    text: str
    link_text: str = ""
    href: str = ""


def adf_document(paragraphs: Sequence[Paragraph]) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for paragraph in paragraphs:
        inline: list[dict[str, Any]] = []
        if paragraph.text:
            inline.append({"type": "text", "text": paragraph.text})
        if paragraph.href:
            inline.append(
                {
                    "type": "text",
                    "text": paragraph.link_text or paragraph.href,
                    "marks": [{"type": "link", "attrs": {"href": paragraph.href}}],
                }
            )
        if inline:
            content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


class JiraClient:
    def __init__(self, config: JiraConfig, auth: Authorizer, http: Http) -> None:
        self.config = config
        self.auth = auth
        self.http = http

    def _headers(self) -> dict[str, str]:
        return {"Authorization": self.auth.header(), "Accept": "application/json"}

    def browse_url(self, key: str) -> str:
        return f"{self.config.base_url}/browse/{quote(key, safe='')}"

    def issue(self, key: str) -> JiraIssue | None:
        """The issue, or ``None`` when Jira says it does not exist (or the account may not see it: Jira answers
        both with 404)."""
        answer = self.http.request(
            "GET",
            f"{self.config.base_url}/rest/api/3/issue/{quote(key, safe='')}",
            headers=self._headers(),
            params={"fields": "summary,status"},
        )
        if answer.status == 404:
            return None
        document = require(SYSTEM, answer).json()
        fields = document.get("fields") if isinstance(document, dict) else None
        if not isinstance(fields, dict):
            raise Refused(SYSTEM, answer, "the answer has no fields")
        status = fields.get("status")
        status_name = str(status.get("name") or "") if isinstance(status, dict) else ""
        return JiraIssue(
            key=str(document.get("key") or key), status=status_name, summary=str(fields.get("summary") or "")
        )

    def comment(self, key: str, body: Mapping[str, Any]) -> Answer:
        """The raw answer (the caller records it as a delivery attempt); not raised."""
        return self.http.request(
            "POST",
            f"{self.config.base_url}/rest/api/3/issue/{quote(key, safe='')}/comment",
            headers={**self._headers(), "Content-Type": "application/json"},
            body={"body": dict(body)},
        )

    def myself(self) -> Answer:
        return self.http.request("GET", f"{self.config.base_url}/rest/api/3/myself", headers=self._headers())
