"""A Microsoft Teams post: an Adaptive Card in the message envelope that Teams Workflows webhooks take.

Version 1.4 of the card schema: what the "post card in a chat or channel" workflow renders everywhere (desktop,
web, mobile). Text is plain; the card's own markdown subset is not used, so a title cannot become a link.
"""

from __future__ import annotations

import json
from typing import Any

from ccm.channels.message import ChannelMessage

CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def adaptive_card(message: ChannelMessage) -> dict[str, Any]:
    facts = [
        {"title": "Customer", "value": message.customer_name},
        {"title": "Status", "value": message.status.replace("_", " ").title()},
        {"title": "Reference", "value": message.object_id},
    ]
    if message.window:
        facts.insert(1, {"title": "Window", "value": message.window})
    body: list[dict[str, Any]] = [
        _text(message.headline, size="Large", weight="Bolder"),
        {"type": "FactSet", "facts": facts},
    ]
    if message.summary:
        body.append(_text(message.summary, isSubtle=True))
    actions = [{"type": "Action.OpenUrl", "title": "Open in the portal", "url": message.portal_url}]
    if message.join_url:
        actions.append({"type": "Action.OpenUrl", "title": "Join the meeting", "url": message.join_url})
    return {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "actions": actions,
    }


def teams_body(message: ChannelMessage) -> bytes:
    envelope = {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": adaptive_card(message)}],
    }
    return json.dumps(envelope).encode()
