"""A Slack post through an incoming webhook: Block Kit built with slack-sdk's models, which check Slack's limits
(lengths, counts) as the blocks are made.

User text is escaped for Slack's mrkdwn (``&``, ``<``, ``>``), so no title can mention ``@channel`` or hide a link.
The body is posted by :mod:`ccm.channels.poster` like every other channel's: slack-sdk's webhook client opens URLs
with urllib's default opener, which follows redirects.
"""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from ccm.channels.message import ChannelMessage

HEADER_LENGTH = 150
FIELD_LENGTH = 2000


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_clip(f"*{label}*\n{escape(value)}", FIELD_LENGTH))


def slack_blocks(message: ChannelMessage) -> list[Block]:
    fields = [_field("Customer", message.customer_name), _field("Status", message.status.replace("_", " ").title())]
    if message.window:
        fields.append(_field("Window", message.window))
    fields.append(_field("Reference", message.object_id))
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_clip(message.headline, HEADER_LENGTH), emoji=False)),
        SectionBlock(fields=fields),
    ]
    if message.summary:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(message.summary))]))
    buttons = [ButtonElement(text="Open in the portal", url=message.portal_url, action_id="open-portal")]
    if message.join_url:
        buttons.append(ButtonElement(text="Join the meeting", url=message.join_url, action_id="join-meeting"))
    blocks.append(ActionsBlock(elements=buttons))
    return blocks


def slack_body(message: ChannelMessage) -> bytes:
    # ``text`` is what notifications and screen readers show; the blocks are the post.
    payload = {"text": escape(message.headline), "blocks": [block.to_dict() for block in slack_blocks(message)]}
    return json.dumps(payload).encode()
