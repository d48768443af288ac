"""The local SES manages subscriptions as SES does: each recipient's own link, unsubscribe headers, a working page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import pytest

from ccm.aws.assume import RoleSessions
from ccm.config import AppConfig, SesConfig, SubscriptionStatus
from ccm.local.list_management import LinkSigner, LocalListManagement, Subscriber, serve_list_management
from ccm.local.outbox import Outbox, OutboxEmail
from ccm.local.subscription_pages import SubscriptionPages, customer_contact_lists
from ccm.mail.mime import RenderedEmail
from ccm.mail.render import SES_UNSUBSCRIBE_PLACEHOLDER
from ccm.mail.ses import SesMailbox
from ccm.provision import Provisioner
from ccm.ses_admin.contacts import Contact, ContactList
from tests.conftest import BUCKET, TABLE

PORTAL = "http://localhost:8080"
KEY = b"k" * 32
TOPIC = "aws-announce"
SENDER = "notifications@mail.example.com"
IN, OUT = SubscriptionStatus.OPT_IN, SubscriptionStatus.OPT_OUT


@pytest.fixture
def alpha_only(app_config: AppConfig) -> AppConfig:
    return app_config.model_copy(update={"customer_mappings": {"alpha": app_config.customer("alpha")}})


@pytest.fixture
def local_ses(aws: None, alpha_only: AppConfig, ses_config: SesConfig) -> Iterator[ContactList]:
    """alpha's SES account with its contact list and two subscribers, the local SES managing subscriptions."""
    Provisioner(alpha_only, ses_config, BUCKET, TABLE).run()
    contacts = contact_list(alpha_only)
    contacts.ses.create_email_identity(EmailIdentity="mail.example.com")
    for address in ("ana@example.com", "bo@example.com"):
        contacts.create(Contact(address, {TOPIC: IN, "aws-calendar": IN}))
    undo = serve_list_management(LocalListManagement(PORTAL, LinkSigner(KEY)))
    try:
        yield contacts
    finally:
        undo()


def contact_list(app_config: AppConfig) -> ContactList:
    alpha = app_config.customer("alpha")
    return ContactList.find(RoleSessions().session(alpha.ses_role_arn, alpha.region).client("sesv2"))


def email(title: str = "Rotate certificates") -> RenderedEmail:
    """As the backend renders one: the placeholder in the text and in the HTML footer's link."""
    return RenderedEmail(
        subject=f"Approved: {title}",
        text=f"{title}\nManage email preferences or unsubscribe: {SES_UNSUBSCRIBE_PLACEHOLDER}\n",
        html=f'<p>{title}</p><p><a href="{SES_UNSUBSCRIBE_PLACEHOLDER}">Manage email preferences</a></p>',
        headers=(("X-CCM-Object-Id", "CHG-1"), ("X-CCM-Event", "approved"), ("X-CCM-Customer", "alpha")),
    )


def send(app_config: AppConfig, recipient: str, message: RenderedEmail, topic: str | None = TOPIC) -> None:
    """Through the backend's own mailbox: SES v2 SendEmail with the raw bytes and ListManagementOptions."""
    mailbox = SesMailbox(app_config.customer("alpha"), app_config, RoleSessions())
    raw = message.prepare(SENDER, datetime(2030, 1, 6, tzinfo=UTC)).for_recipient(recipient)
    if topic is None:
        mailbox.send_outside_topics(recipient, raw)
    else:
        mailbox.send(recipient, raw, topic)


def collected(app_config: AppConfig) -> dict[str, OutboxEmail]:
    outbox = Outbox({app_config.customer("alpha").account_id: "alpha"})
    return {entry.recipients[0]: entry for entry in outbox.emails()}


def request(
    app: SubscriptionPages, method: str, token: str, body: bytes = b"", query: str = ""
) -> tuple[int, dict[str, str], str]:
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "/dev/subscriptions",
        "PATH_INFO": f"/{token}",
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(body),
    }
    answer: list[tuple[str, list[tuple[str, str]]]] = []
    text = b"".join(app(environ, lambda status, headers: answer.append((status, headers)))).decode()
    return int(answer[0][0].split()[0]), dict(answer[0][1]), text


def pages(app_config: AppConfig) -> SubscriptionPages:
    return SubscriptionPages(
        LinkSigner(KEY), customer_contact_lists(app_config), {app_config.customer("alpha").account_id: "Alpha Retail"}
    )


def token_of(link: str) -> str:
    path = urlsplit(link).path
    assert path.startswith("/dev/subscriptions/"), link
    return path.removeprefix("/dev/subscriptions/")


def test_each_recipient_gets_their_own_link_in_the_body_and_the_unsubscribe_headers(
    local_ses: ContactList, alpha_only: AppConfig
) -> None:
    send(alpha_only, "ana@example.com", email())
    send(alpha_only, "bo@example.com", email())

    emails = collected(alpha_only)
    links = {}
    for address, entry in emails.items():
        assert SES_UNSUBSCRIBE_PLACEHOLDER not in entry.html + entry.text
        [link] = {part.split('"')[0] for part in entry.html.split('href="')[1:]}
        assert link.startswith(f"{PORTAL}/dev/subscriptions/") and f"unsubscribe: {link}" in entry.text
        assert entry.headers["List-Unsubscribe"] == f"<{link}>"
        assert entry.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        subscriber = LinkSigner(KEY).read(token_of(link))
        assert subscriber == Subscriber(
            alpha_only.customer("alpha").account_id, "us-east-1", local_ses.name, address, TOPIC
        )
        links[address] = link
    assert links["ana@example.com"] != links["bo@example.com"]


def test_only_the_exact_placeholder_is_replaced_and_only_for_list_managed_sends(
    local_ses: ContactList, alpha_only: AppConfig
) -> None:
    lookalike = "Keep {{ amazonSESUnsubscribeUrl }} and {{title}} as written"
    send(alpha_only, "ana@example.com", email(lookalike))
    send(alpha_only, "bo@example.com", email(), topic=None)  # an operator's test: no list management

    emails = collected(alpha_only)
    assert lookalike in emails["ana@example.com"].text and "/dev/subscriptions/" in emails["ana@example.com"].text
    untouched = emails["bo@example.com"]
    assert SES_UNSUBSCRIBE_PLACEHOLDER in untouched.text and "List-Unsubscribe" not in untouched.headers


def test_the_page_shows_the_recipients_topics_and_saves_their_choices_in_the_contact_list(
    local_ses: ContactList, alpha_only: AppConfig
) -> None:
    send(alpha_only, "ana@example.com", email())
    token = token_of(collected(alpha_only)["ana@example.com"].headers["List-Unsubscribe"].strip("<>"))
    app = pages(alpha_only)

    status, _, page = request(app, "GET", token)
    assert status == 200 and "ana@example.com" in page and "Alpha Retail" in page
    assert 'value="aws-announce" checked' in page and 'value="finops-announce">' in page
    assert "(the email you came from)" in page

    form = urlencode([("topic", "aws-calendar"), ("topic", "general-updates")]).encode()
    status, headers, _ = request(app, "POST", token, form)
    assert status == 303 and headers["Location"] == f"/dev/subscriptions/{token}?saved"
    contact = local_ses.require("ana@example.com")
    assert {name for name, state in contact.preferences.items() if state is IN} == {
        "aws-calendar",
        "general-updates",
    }
    assert not contact.unsubscribe_all
    status, _, page = request(app, "GET", token, query="saved")
    assert "Your preferences were saved." in page and 'value="aws-announce">' in page

    request(app, "POST", token, urlencode([("topic", "aws-calendar"), ("unsubscribe_all", "on")]).encode())
    assert local_ses.require("ana@example.com").unsubscribe_all
    assert local_ses.require("bo@example.com").preferences[TOPIC] is IN, "nobody else's choices change"


def test_a_mail_clients_one_click_unsubscribe_leaves_the_messages_topic_only(
    local_ses: ContactList, alpha_only: AppConfig
) -> None:
    send(alpha_only, "bo@example.com", email())
    token = token_of(collected(alpha_only)["bo@example.com"].headers["List-Unsubscribe"].strip("<>"))

    status, _, _ = request(pages(alpha_only), "POST", token, b"List-Unsubscribe=One-Click")

    contact = local_ses.require("bo@example.com")
    assert status == 200 and contact.preferences[TOPIC] is OUT and contact.preferences["aws-calendar"] is IN
    assert not contact.unsubscribe_all


def test_a_link_the_local_ses_did_not_make_gets_the_same_404(local_ses: ContactList, alpha_only: AppConfig) -> None:
    app = pages(alpha_only)
    account = alpha_only.customer("alpha").account_id
    forged = LinkSigner(b"x" * 32).token(Subscriber(account, "us-east-1", local_ses.name, "ana@example.com"))
    edited = LinkSigner(KEY).token(Subscriber(account, "us-east-1", local_ses.name, "ana@example.com"))[:-2] + "AA"
    unknown = LinkSigner(KEY).token(Subscriber("999999999999", "us-east-1", local_ses.name, "ana@example.com"))

    answers = {request(app, "GET", token)[2] for token in (forged, edited, unknown, "nonsense", "")}

    assert len(answers) == 1 and "not a subscription link" in answers.pop()
    assert request(app, "POST", forged, b"List-Unsubscribe=One-Click")[0] == 404
    assert local_ses.require("ana@example.com").preferences[TOPIC] is IN
