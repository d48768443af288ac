"""The local stand-ins for Teams, Slack and webhook receivers: catchers at ``/dev/hooks/<name>`` on the local edge.

Each POST is recorded (headers, body, the answer given) and shown in /dev/outbox beside the emails;
``GET /dev/hooks/`` lists every post as JSON, ``GET /dev/hooks/<name>`` one catcher's. A catcher whose name starts
with ``flaky`` answers 500 to the first two posts of each message (by ``webhook-id``, else the body) and 200 after,
so the backend's retries show. Where the catcher knows the channel's signing secret it checks the Standard Webhooks
signature as a receiver would, and records the verdict.

The demo channels of config.json name SSM parameters; :func:`seed_channel_parameters` points them here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from standardwebhooks import Webhook, WebhookVerificationError

from ccm.config import AppConfig
from ccm.domain.times import format_rfc3339, utc_now
from ccm.local.http import BodyTooLarge, HttpRequest, StartResponse, text_response

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

HOOKS_PATH = "/dev/hooks"
FLAKY_PREFIX = "flaky"
FLAKY_FAILURES = 2
KEPT_HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature")
KEPT_POSTS = 500


@dataclass(frozen=True)
class CaughtPost:
    name: str
    at: str
    status: int
    headers: dict[str, str]
    body: str
    signature: str | None = None
    """``valid`` or ``invalid`` when the catcher knows the secret; ``None`` otherwise."""
    customer: str | None = None
    channel: str | None = None

    def as_document(self) -> dict[str, Any]:
        return asdict(self)

    def json_body(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class HookCatcher:
    secrets: dict[str, str] = field(default_factory=dict)
    """Signing secret by catcher name."""
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)
    """(customer, channel) by catcher name."""
    posts: list[CaughtPost] = field(default_factory=list)
    _tries: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        name = str(environ.get("PATH_INFO") or "/").strip("/")
        if method in ("GET", "HEAD"):
            shown = [post.as_document() for post in self.caught() if not name or post.name == name]
            return text_response(200, json.dumps(shown, indent=1), "application/json").send(start_response, method)
        if method != "POST" or not name or "/" in name:
            return text_response(405, "POST to /dev/hooks/<name>; GET lists what was caught.\n").send(
                start_response, method
            )
        try:
            request = HttpRequest.from_environ(environ)
        except BodyTooLarge as error:
            return text_response(413, f"{error}\n").send(start_response, method)
        status = self.catch(name, {k.lower(): v for k, v in request.headers}, request.body)
        return text_response(status, "ok\n" if status == 200 else "try again\n").send(start_response, method)

    def catch(self, name: str, headers: dict[str, str], body: bytes) -> int:
        message = headers.get("webhook-id") or hashlib.sha256(body).hexdigest()
        with self._lock:
            self._tries[f"{name}\n{message}"] += 1
            tries = self._tries[f"{name}\n{message}"]
        status = 500 if name.startswith(FLAKY_PREFIX) and tries <= FLAKY_FAILURES else 200
        owner = self.owners.get(name)
        post = CaughtPost(
            name=name,
            at=format_rfc3339(utc_now()),
            status=status,
            headers={key: value for key, value in headers.items() if key in KEPT_HEADERS},
            body=body.decode("utf-8", errors="replace"),
            signature=self._verdict(name, headers, body),
            customer=owner[0] if owner else None,
            channel=owner[1] if owner else None,
        )
        with self._lock:
            self.posts.append(post)
            del self.posts[:-KEPT_POSTS]
        return status

    def _verdict(self, name: str, headers: dict[str, str], body: bytes) -> str | None:
        secret = self.secrets.get(name)
        if secret is None or "webhook-signature" not in headers:
            return None
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return "invalid"
        return "valid"

    def caught(self) -> list[CaughtPost]:
        with self._lock:
            return list(self.posts)

    def documents(self) -> list[dict[str, Any]]:
        return [post.as_document() for post in self.caught()]


def catcher_name(customer: str, channel: str) -> str:
    """``flaky-webhook`` of xray -> ``flaky-webhook-xray``: the flaky ones keep the prefix that makes them flaky."""
    return f"{channel}-{customer}"


def seed_channel_parameters(config: AppConfig, portal_url: str, ssm: SSMClient, catcher: HookCatcher) -> int:
    """Point every channel of config.json at its catcher: its URL parameter, and a fresh signing secret the
    catcher checks signatures with. Returns how many channels were pointed here."""
    count = 0
    for customer in config.customer_mappings.values():
        for channel in customer.channels:
            name = catcher_name(customer.customer_code, channel.name)
            url = f"{portal_url}{HOOKS_PATH}/{name}"
            ssm.put_parameter(Name=channel.url_parameter, Value=url, Type="SecureString", Overwrite=True)
            if channel.secret_parameter is not None:
                secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
                ssm.put_parameter(Name=channel.secret_parameter, Value=secret, Type="SecureString", Overwrite=True)
                catcher.secrets[name] = secret
            catcher.owners[name] = (customer.customer_code, channel.name)
            count += 1
    return count
