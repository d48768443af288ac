"""The local stack as a user runs it: ``python -m ccm.local`` in a process of its own, and a browser-like client."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import boto3
import requests
from requests.cookies import get_cookie_header

from ccm.config import AppConfig
from tests.conftest import ROOT
from tests.html_forms import forms_of

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
READY_TIMEOUT = 120.0


class Browser(requests.Session):
    """A session that behaves like a browser on http://localhost: pages accept HTML, Secure cookies are sent
    (browsers treat localhost as a secure context), and redirects are followed by :meth:`browse`.

    requests copies the session's cookies into a jar with the default policy before each request, which would
    drop Secure cookies over http; the cookie header is therefore built from the session's own jar.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.trust_env = False  # no proxy and no CA bundle from this machine's environment for localhost
        self.cookies.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        self.headers["Accept"] = HTML

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        header = get_cookie_header(self.cookies, prepared)  # type: ignore[no-untyped-call]
        if header:
            prepared.headers["Cookie"] = header
        return prepared

    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path)

    def browse(self, method: str, path: str, **arguments: Any) -> requests.Response:
        """A request and every redirect after it, as a browser follows them (a 303/302 after POST is a GET)."""
        response = self.request(method, self.url(path), allow_redirects=False, timeout=30, **arguments)
        for _ in range(10):
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            target = urljoin(response.url, response.headers["Location"])
            if response.status_code in (307, 308):
                response = self.request(method, target, allow_redirects=False, timeout=30, **arguments)
            else:
                response = self.request("GET", target, allow_redirects=False, timeout=30)
        raise AssertionError(f"too many redirects from {path}")

    def sign_in(self, email: str, start: str = "/") -> requests.Response:
        """Open a page, pick ``email`` on the identity provider's page and follow its auto-posted response."""
        page = self.browse("GET", start)
        assert "/idp/" in page.url, f"expected the sign-in page, got {page.status_code} {page.url}"
        chosen = next(form for form in forms_of(page.text) if form["fields"].get("user") == email)
        posted = self.browse("POST", urljoin(page.url, chosen["action"]), data=chosen["fields"])
        [auto_post] = forms_of(posted.text)
        return self.browse("POST", auto_post["action"], data=auto_post["fields"])

    def api(self, method: str, path: str, document: Any = None) -> requests.Response:
        """An API call as the portal makes it: JSON, with the body hash CloudFront's origin access control needs."""
        body = b"" if document is None else json.dumps(document).encode("utf-8")
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if method in ("POST", "PUT", "PATCH"):
            headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
        return self.request(method, self.url(path), data=body or None, headers=headers, timeout=60)


def free_environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("CCM_", "AWS_"))}
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def descendants(root: int) -> set[int]:
    """Every process below ``root``, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= children
        frontier = children
    return found


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def started_at(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot; ``None`` once it is gone. A pid with another start time is
    another process."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def in_session(session_id: int) -> set[int]:
    """Every live process of a session (the stack starts its own, so this is everything it started)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.add(int(entry.name))
    return members


@dataclass
class LocalStackProcess:
    """``python -m ccm.local`` on free ports (or ``command``, e.g. ``make dev``), in a session of its own."""

    data_dir: Path
    command: list[str] | None = None
    process: subprocess.Popen[str] | None = None
    url: str = ""
    ready_seconds: float = 0.0
    output: list[str] = field(default_factory=list)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _reader: threading.Thread | None = None

    def start(self, *extra: str) -> LocalStackProcess:
        started = time.monotonic()
        command = self.command or [sys.executable, "-m", "ccm.local", "--port", "0", "--aws-port", "0", *extra]
        environment = {
            **free_environment(),
            "CCM_LOCAL_PORT": "0",
            "CCM_AWS_PORT": "0",
            "CCM_GRAPH_PORT": "0",
            "CCM_LOCAL_DATA": str(self.data_dir),
        }
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        for line in self._lines_until(started + READY_TIMEOUT):
            match = re.search(r"Open (http://localhost:\d+)/", line)
            if match:
                self.url = match.group(1)
            if line.startswith("Ready in"):
                self.ready_seconds = time.monotonic() - started
                return self
        raise AssertionError("the local stack did not get ready:\n" + "".join(self.output))

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _lines_until(self, deadline: float) -> Iterator[str]:
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                return
            if line is None:
                return
            yield line

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, timeout: float = 60.0, *, interrupt: bool = False) -> int:
        """SIGTERM to the stack, or with ``interrupt`` SIGINT to its whole process group, as Ctrl-C in a terminal."""
        assert self.process is not None
        if interrupt:
            os.killpg(self.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError("the local stack did not stop within a minute:\n" + "".join(self.output)) from None
        finally:
            self._close_output()

    def kill(self) -> None:
        """Leave nothing behind after a failed test (the whole session the stack started)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait()
        self._close_output()

    def _close_output(self) -> None:
        if self._reader is not None:
            self._reader.join(10)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


def subscribers(endpoint: str, app_config: AppConfig, code: str, topic: str) -> set[str]:
    """Who the customer's own SES contact list says receives ``topic``, read from the stack's emulator."""
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
    customer = app_config.customer(code)
    credentials = session.client("sts", endpoint_url=endpoint).assume_role(
        RoleArn=customer.ses_role_arn, RoleSessionName="e2e"
    )["Credentials"]
    ses = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=customer.region,
    ).client("sesv2", endpoint_url=endpoint)
    [contact_list] = ses.list_contact_lists()["ContactLists"]
    name = contact_list["ContactListName"]
    default = next(t for t in ses.get_contact_list(ContactListName=name)["Topics"] if t["TopicName"] == topic)
    found = set()
    arguments: dict[str, Any] = {"ContactListName": name}
    while True:
        page = ses.list_contacts(**arguments)
        for contact in page["Contacts"]:
            explicit = {p["TopicName"]: p["SubscriptionStatus"] for p in contact.get("TopicPreferences", [])}
            status = explicit.get(topic, default["DefaultSubscriptionStatus"])
            if status == "OPT_IN" and not contact.get("UnsubscribeAll"):
                found.add(contact["EmailAddress"].lower())
        if not page.get("NextToken"):
            return found
        arguments["NextToken"] = page["NextToken"]
