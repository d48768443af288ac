"""SES placeholders: the templates' own unsubscribe link, and user text that must never form one.

Sent with list management, a message gets each recipient's own preferences link wherever
``{{amazonSESUnsubscribeUrl}}`` stands in it, and SES reads ``{{...}}`` as its placeholder syntax. It cannot tell
the templates' link from the same characters typed into a title, a plan or an attendee's address. So before a
message leaves, every ``{{`` in it is broken up, except the templates' own placeholder, in a way that shows the
reader exactly what was typed:

* HTML: the first brace of the pair becomes the character reference ``&#123;`` (a browser shows ``{``);
* plain text and the subject: a zero-width space separates the braces;
* iCalendar: a line fold (CRLF and a space) separates them, which every calendar removes when it reads the line.
"""

from __future__ import annotations

import re
import secrets
from typing import Final


class SesPlaceholder(str):
    """A placeholder our templates hand to SES on purpose; any other ``{{`` in a message is text."""

    __slots__ = ()


SES_UNSUBSCRIBE_PLACEHOLDER: Final = SesPlaceholder("{{amazonSESUnsubscribeUrl}}")

RECIPIENT_TOKEN_MARK: Final = f"ccmrecipienttoken{secrets.token_hex(16)}"
"""Where a recipient's own token goes (a completion email's rating links): letters and digits only, random per
process so that no text from a user can contain it, and replaced when the message is addressed to each recipient."""

ZERO_WIDTH_SPACE = "\u200b"
_PAIRED_BRACE = re.compile(r"\{(?=\{)")


def inert_text(text: str) -> str:
    """Plain text with no ``{{`` left: a zero-width space between every two braces."""
    return _PAIRED_BRACE.sub("{" + ZERO_WIDTH_SPACE, text)


def inert_html(html: str) -> str:
    """HTML with no ``{{`` left: the first of every two braces written as a character reference."""
    return _PAIRED_BRACE.sub("&#123;", html)


def inert_calendar(ics: str) -> str:
    """iCalendar text with no ``{{`` left: a fold between every two braces.

    Unfolding gives back the text as it was. Each piece of a split line is no longer than the line was, so lines
    stay within the 75 octets RFC 5545 asks for.
    """
    return _PAIRED_BRACE.sub("{\r\n ", ics)
