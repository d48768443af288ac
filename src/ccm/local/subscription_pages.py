"""``/dev/subscriptions/<token>``: the local SES's subscription preferences page, as SES hosts one for each link.

A recipient sees every topic of their customer's contact list with their own choice, changes them or
unsubscribes from all, and the contact in that customer's SES contact list is updated (``UpdateContact``), as
SES's hosted page does; the backend then mails them accordingly. A mail client's one-click unsubscribe
(``POST`` with ``List-Unsubscribe=One-Click``, RFC 8058) unsubscribes from the message's topic, or from the whole
list when the message named none. A GET changes nothing; any link that is not one the local SES made gets the
same 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, select_autoescape

from ccm.aws.assume import RoleSessions
from ccm.aws.clients import RETRY_CONFIG
from ccm.config import AppConfig, SubscriptionStatus
from ccm.local.http import BodyTooLarge, HttpRequest, HttpResponse, StartResponse, text_response
from ccm.local.list_management import LinkSigner, Subscriber
from ccm.ses_admin.contacts import Contact, ContactList

ONE_CLICK = "List-Unsubscribe=One-Click"
MAX_FORM_BYTES = 64 * 1024
NOT_A_LINK = "This is not a subscription link the local SES made (or it was changed).\n"

ContactLists = Callable[[Subscriber], ContactList | None]
"""The contact list a link belongs to, in its own SES account; ``None`` for an account of no customer."""


def customer_contact_lists(config: AppConfig, sessions: RoleSessions | None = None) -> ContactLists:
    """Contact lists reached as the backend reaches them: the customer's SES role in the link's account."""
    roles = RoleSessions(session_prefix="ccm-local-subscriptions") if sessions is None else sessions
    customers = {customer.account_id: customer for customer in config.customer_mappings.values()}

    def contact_list(subscriber: Subscriber) -> ContactList | None:
        customer = customers.get(subscriber.account)
        if customer is None:
            return None
        session = roles.session(customer.ses_role_arn, subscriber.region, "ccm-local-subscriptions")
        return ContactList(session.client("sesv2", config=RETRY_CONFIG), subscriber.contact_list)

    return contact_list


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))


class SubscriptionPages:
    def __init__(self, signer: LinkSigner, contact_lists: ContactLists, customers: Mapping[str, str]) -> None:
        self.signer = signer
        self.contact_lists = contact_lists
        self.customers = dict(customers)
        """Display names of the customers by SES account id."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        token = str(environ.get("PATH_INFO") or "/").strip("/")
        subscriber = self.signer.read(token) if token and "/" not in token else None
        if subscriber is None:
            return text_response(404, NOT_A_LINK).send(start_response, method)
        contacts = self.contact_lists(subscriber)
        if contacts is None:
            return text_response(404, NOT_A_LINK).send(start_response, method)
        contact = contacts.get(subscriber.email)
        if contact is None:
            gone = f"{subscriber.email} is no longer on this contact list: it receives nothing from it.\n"
            return text_response(404, gone).send(start_response, method)
        if method in ("GET", "HEAD"):
            saved = "saved" in parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
            return self._page(subscriber, contacts, contact, saved).send(start_response, method)
        if method != "POST":
            return text_response(405, "Open the page, or post the form.\n").send(start_response, method)
        try:
            request = HttpRequest.from_environ(environ, max_body=MAX_FORM_BYTES)
        except BodyTooLarge as error:
            return text_response(413, f"{error}\n").send(start_response, method)
        body = request.body.decode("utf-8", errors="replace")
        if body.strip() == ONE_CLICK:
            contacts.update(_unsubscribed(contact, subscriber.topic))
            return text_response(200, "Unsubscribed.\n").send(start_response, method)
        form = parse_qs(body)
        chosen = set(form.get("topic", []))
        topics = contacts.details().topic_names()
        preferences = {
            name: SubscriptionStatus.OPT_IN if name in chosen else SubscriptionStatus.OPT_OUT for name in topics
        }
        everything = "unsubscribe_all" in form
        contacts.update(Contact(contact.email, preferences, everything))
        location = str(environ.get("SCRIPT_NAME", "")) + "/" + token + "?saved"
        return HttpResponse(303, [("Location", location), ("Cache-Control", "no-store")]).send(start_response, method)

    def _page(self, subscriber: Subscriber, contacts: ContactList, contact: Contact, saved: bool) -> HttpResponse:
        details = contacts.details()
        topics = [
            {
                "name": topic.name,
                "label": topic.display_name,
                "description": topic.description,
                "subscribed": contact.status(topic)[0] is SubscriptionStatus.OPT_IN,
                "this_message": topic.name == subscriber.topic,
            }
            for topic in details.topics
        ]
        html = (
            _templates()
            .get_template("local_subscriptions.html")
            .render(
                email=contact.email,
                customer=self.customers.get(subscriber.account, subscriber.account),
                topics=topics,
                unsubscribed_from_all=contact.unsubscribe_all,
                saved=saved,
            )
        )
        return text_response(200, html, "text/html; charset=utf-8")


def _unsubscribed(contact: Contact, topic: str | None) -> Contact:
    if topic is None:
        return Contact(contact.email, dict(contact.preferences), True)
    return contact.with_preferences({**contact.preferences, topic: SubscriptionStatus.OPT_OUT})
