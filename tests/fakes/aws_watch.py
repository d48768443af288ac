"""Every boto3 client a test creates, observed and completed through botocore event hooks.

* Counts every API call per service and operation (``after-call``), so tests can prove "zero SES writes".
* Serves the SES v2 operations moto 5.2 lacks (suppression list, MAIL FROM, configuration-set event
  destinations, identity default configuration set, GetAccount) from in-memory state per account, by answering
  ``before-call`` the way botocore's own Stubber does. Requests are still validated by botocore.
* Makes SES ``ListContacts``/``ListContactLists`` page like the real service (over moto's stored contacts) with a
  small page size, so every listing is exercised past its first page with few contacts.
* Gives new domain identities the three Easy DKIM tokens real SES returns, by writing them into moto's own
  backend right after ``CreateEmailIdentity`` (moto creates none); ``GetEmailIdentity`` then returns them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse

SES_CONTACT_WRITES = frozenset(
    {"CreateContact", "UpdateContact", "DeleteContact", "CreateContactList", "UpdateContactList", "DeleteContactList"}
)
FAKE_PAGE_SIZE = 25
RECORDED = frozenset({("sesv2", "SendEmail")})
"""Calls whose parameters are kept, so tests can see exactly what was asked of AWS."""


def dkim_tokens(account: str, domain: str) -> list[str]:
    return [hashlib.sha1(f"{account}:{domain}:{i}".encode()).hexdigest()[:32] for i in range(3)]


def _account_of(request_signer: Any) -> str:
    from moto.iam.models import get_account_id_from

    return get_account_id_from(request_signer._credentials.get_frozen_credentials().access_key)


NO_HEADERS: Any = {}


def _ok(body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://fake", 200, NO_HEADERS, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _error(status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://fake", status, NO_HEADERS, None), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }


def _page(items: list[Any], params: dict[str, Any], limit: int) -> tuple[list[Any], str | None]:
    start = int(params.get("NextToken") or 0)
    size = min(int(params.get("PageSize") or limit), limit)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class SesExtras:
    """SES v2 state moto does not keep, per (account, region)."""

    def __init__(self, page_size: int = FAKE_PAGE_SIZE) -> None:
        self.page_size = page_size
        self.max_send_rate = 14.0
        self.suppressed: dict[tuple[str, str], dict[str, tuple[str, datetime]]] = defaultdict(dict)
        self.mail_from: dict[tuple[str, str], dict[str, dict[str, str]]] = defaultdict(dict)
        self.destinations: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)

    def handlers(self) -> dict[str, Callable[[tuple[str, str], dict[str, Any]], tuple[AWSResponse, dict[str, Any]]]]:
        return {
            "PutSuppressedDestination": self._put_suppressed,
            "GetSuppressedDestination": self._get_suppressed,
            "DeleteSuppressedDestination": self._delete_suppressed,
            "ListSuppressedDestinations": self._list_suppressed,
            "PutEmailIdentityMailFromAttributes": self._put_mail_from,
            "PutEmailIdentityConfigurationSetAttributes": self._put_identity_configuration_set,
            "CreateConfigurationSetEventDestination": self._create_destination,
            "UpdateConfigurationSetEventDestination": self._update_destination,
            "GetConfigurationSetEventDestinations": self._get_destinations,
            "GetAccount": self._get_account,
            "ListContacts": self._list_contacts,
            "ListContactLists": self._list_contact_lists,
        }

    # -- suppression -----------------------------------------------------------------------------------

    def _put_suppressed(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        self.suppressed[where][params["EmailAddress"].lower()] = (params["Reason"], datetime.now(UTC))
        return _ok({})

    def _get_suppressed(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        entry = self.suppressed[where].get(params["EmailAddress"].lower())
        if entry is None:
            return _error(404, "NotFoundException", f"{params['EmailAddress']} is not on the suppression list")
        reason, since = entry
        return _ok(
            {
                "SuppressedDestination": {
                    "EmailAddress": params["EmailAddress"],
                    "Reason": reason,
                    "LastUpdateTime": since,
                }
            }
        )

    def _delete_suppressed(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        if self.suppressed[where].pop(params["EmailAddress"].lower(), None) is None:
            return _error(404, "NotFoundException", f"{params['EmailAddress']} is not on the suppression list")
        return _ok({})

    def _list_suppressed(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        entries = sorted(self.suppressed[where].items())
        page, token = _page(entries, params, self.page_size)
        summaries = [
            {"EmailAddress": email, "Reason": reason, "LastUpdateTime": since} for email, (reason, since) in page
        ]
        return _ok({"SuppressedDestinationSummaries": summaries, **({"NextToken": token} if token else {})})

    # -- identities and configuration sets -------------------------------------------------------------

    def _identity(self, where: tuple[str, str], name: str) -> Any:
        from moto.ses.models import ses_backends

        return ses_backends[where[0]][where[1]].email_identities.get(name)

    def _put_mail_from(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        if self._identity(where, params["EmailIdentity"]) is None:
            return _error(404, "NotFoundException", f"identity {params['EmailIdentity']} does not exist")
        self.mail_from[where][params["EmailIdentity"]] = {
            "MailFromDomain": params["MailFromDomain"],
            "MailFromDomainStatus": "PENDING",
            "BehaviorOnMxFailure": params.get("BehaviorOnMxFailure", "USE_DEFAULT_VALUE"),
        }
        return _ok({})

    def _put_identity_configuration_set(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        identity = self._identity(where, params["EmailIdentity"])
        if identity is None:
            return _error(404, "NotFoundException", f"identity {params['EmailIdentity']} does not exist")
        identity.configuration_set_name = params.get("ConfigurationSetName")
        return _ok({})

    def _configuration_set_exists(self, where: tuple[str, str], name: str) -> bool:
        from moto.ses.models import ses_backends

        backend = ses_backends[where[0]][where[1]]
        return name in backend.config_sets

    def _create_destination(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        if not self._configuration_set_exists(where, params["ConfigurationSetName"]):
            return _error(
                404, "NotFoundException", f"configuration set {params['ConfigurationSetName']} does not exist"
            )
        sets = self.destinations[where].setdefault(params["ConfigurationSetName"], {})
        if params["EventDestinationName"] in sets:
            return _error(400, "AlreadyExistsException", f"{params['EventDestinationName']} already exists")
        sets[params["EventDestinationName"]] = {"Name": params["EventDestinationName"], **params["EventDestination"]}
        return _ok({})

    def _update_destination(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        sets = self.destinations[where].get(params["ConfigurationSetName"], {})
        if params["EventDestinationName"] not in sets:
            return _error(404, "NotFoundException", f"{params['EventDestinationName']} does not exist")
        sets[params["EventDestinationName"]] = {"Name": params["EventDestinationName"], **params["EventDestination"]}
        return _ok({})

    def _get_destinations(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        if not self._configuration_set_exists(where, params["ConfigurationSetName"]):
            return _error(
                404, "NotFoundException", f"configuration set {params['ConfigurationSetName']} does not exist"
            )
        return _ok(
            {"EventDestinations": list(self.destinations[where].get(params["ConfigurationSetName"], {}).values())}
        )

    def _get_account(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        return _ok(
            {
                "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": self.max_send_rate, "SentLast24Hours": 0.0},
                "SendingEnabled": True,
                "ProductionAccessEnabled": True,
                "EnforcementStatus": "HEALTHY",
            }
        )

    def decorate_identity(self, where: tuple[str, str], name: str, parsed: dict[str, Any]) -> None:
        mail_from = self.mail_from[where].get(name)
        if mail_from:
            parsed["MailFromAttributes"] = dict(mail_from)

    # -- paging over moto's contact lists --------------------------------------------------------------

    def _list_contacts(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        from moto.sesv2.models import sesv2_backends

        backend = sesv2_backends[where[0]][where[1]]
        try:
            stored = list(backend.list_contacts(params["ContactListName"]))
        except Exception as error:
            return _error(404, "NotFoundException", str(error))
        stored.sort(key=lambda contact: contact.email_address.lower())
        page, token = _page(stored, params, self.page_size)
        contacts = [
            {
                "EmailAddress": c.email_address,
                "TopicPreferences": list(c.topic_preferences),
                "TopicDefaultPreferences": list(c.topic_default_preferences),
                "UnsubscribeAll": bool(c.unsubscribe_all),
                "LastUpdatedTimestamp": _timestamp(c.last_updated_timestamp),
            }
            for c in page
        ]
        return _ok({"Contacts": contacts, **({"NextToken": token} if token else {})})

    def _list_contact_lists(self, where: tuple[str, str], params: dict[str, Any]) -> Any:
        from moto.sesv2.models import sesv2_backends

        lists = sorted(sesv2_backends[where[0]][where[1]].list_contact_lists(), key=lambda item: item.contact_list_name)
        page, token = _page(lists, params, 1)
        summaries = [
            {"ContactListName": item.contact_list_name, "LastUpdatedTimestamp": _timestamp(item.last_updated_timestamp)}
            for item in page
        ]
        return _ok({"ContactLists": summaries, **({"NextToken": token} if token else {})})


class AwsWatch:
    """Attach to every client: count calls, complete SES."""

    def __init__(self, page_size: int = FAKE_PAGE_SIZE) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.ses = SesExtras(page_size)
        self._lock = threading.Lock()
        self._refusals: list[tuple[str, str, Callable[[dict[str, Any]], bool], str, int, str]] = []

    def refuse(
        self,
        service: str,
        operation: str,
        when: Callable[[dict[str, Any]], bool],
        code: str,
        *,
        status: int = 403,
        message: str = "refused by the test",
    ) -> None:
        """Make AWS answer ``code`` to matching calls on clients created from now on, e.g. AccessDenied (403).

        The answer replaces the whole call, as if the SDK had made every retry it makes for that status.
        """
        self._refusals.append((service, operation, when, code, status, message))

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_id.hyphenize()
        region = client.meta.region_name
        events = client.meta.events

        def count(model: Any, **_: Any) -> None:
            with self._lock:
                self.calls[(service, model.name)] += 1

        events.register(f"after-call.{service}", count)
        for recorded_service, operation in RECORDED:
            if recorded_service == service:
                events.register(f"before-parameter-build.{service}.{operation}", self._recorder(service, operation))
        for refused_service, operation, when, code, status, message in self._refusals:
            if refused_service == service:
                self._install_refusal(events, service, operation, when, code, status, message)
        if service == "sesv2":
            self._complete_ses(events, region)
        return client

    def _complete_ses(self, events: Any, region: str) -> None:
        def stash(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["watched_params"] = dict(params)

        for operation, handler in self.ses.handlers().items():

            def answer(
                request_signer: Any, context: dict[str, Any], handler: Any = handler, **_: Any
            ) -> tuple[AWSResponse, dict[str, Any]]:
                answered: tuple[AWSResponse, dict[str, Any]] = handler(
                    (_account_of(request_signer), region), context.get("watched_params", {})
                )
                return answered

            events.register(f"before-parameter-build.sesv2.{operation}", stash)
            events.register(f"before-call.sesv2.{operation}", answer)

        def complete_identity(context: dict[str, Any], parsed: dict[str, Any], **_: Any) -> None:
            name = context.get("watched_params", {}).get("EmailIdentity", "")
            where = context.get("watched_where")
            if where and "Error" not in parsed:
                self.ses.decorate_identity(where, name, parsed)

        def remember_where(request_signer: Any, context: dict[str, Any], **_: Any) -> None:
            context["watched_where"] = (_account_of(request_signer), region)

        for operation in ("CreateEmailIdentity", "GetEmailIdentity"):
            events.register(f"before-parameter-build.sesv2.{operation}", stash)
        events.register("before-call.sesv2.GetEmailIdentity", remember_where)
        events.register("after-call.sesv2.CreateEmailIdentity", lambda context, **_: self._inject_tokens(context))
        events.register("after-call.sesv2.GetEmailIdentity", complete_identity)

    def _recorder(self, service: str, operation: str) -> Callable[..., None]:
        def record(params: dict[str, Any], **_: Any) -> None:
            with self._lock:
                self.requests.append((service, operation, dict(params)))

        return record

    def recorded(self, service: str, operation: str) -> list[dict[str, Any]]:
        """The parameters of every recorded call of one operation, in order."""
        with self._lock:
            return [params for s, op, params in self.requests if (s, op) == (service, operation)]

    @staticmethod
    def _install_refusal(
        events: Any,
        service: str,
        operation: str,
        when: Callable[[dict[str, Any]], bool],
        code: str,
        status: int,
        message: str,
    ) -> None:
        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["refusal_params"] = dict(params)

        def refuse(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            return _error(status, code, message) if when(context.get("refusal_params", {})) else None

        events.register_first(f"before-parameter-build.{service}.{operation}", remember)
        events.register_first(f"before-call.{service}.{operation}", refuse)

    @staticmethod
    def _inject_tokens(context: dict[str, Any]) -> None:
        """Easy DKIM tokens, set in moto's backend where the identity was just created (moto makes none)."""
        from moto.ses.models import ses_backends

        name = context.get("watched_params", {}).get("EmailIdentity", "")
        for account, regions in list(ses_backends.items()):
            for backend in regions.values():
                identity = backend.email_identities.get(name)
                if identity is not None and "Tokens" not in identity.dkim_attributes:
                    identity.dkim_attributes.update(
                        {"Tokens": dkim_tokens(account, name), "Status": "PENDING", "SigningEnabled": True}
                    )

    def count(self, service: str, operations: Iterable[str] | None = None) -> int:
        wanted = set(operations) if operations is not None else None
        with self._lock:
            return sum(n for (s, op), n in self.calls.items() if s == service and (wanted is None or op in wanted))

    def ses_contact_writes(self) -> int:
        return self.count("sesv2", SES_CONTACT_WRITES)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.requests.clear()
