"""Who the backend is, so that S3 events caused by its own writes are recognised by identity, not by name.

S3 puts the writer's ``principalId`` into each event record: ``AWS:<unique id>[:<session>]``, where the unique id
of an assumed role (``AROA…``) is the same for every session of that role. STS ``GetCallerIdentity`` returns the
backend's own ``UserId`` in the same form. Equal unique ids mean the backend wrote the object itself.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from ccm.aws.clients import retry_config

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

SYSTEM_USER = "backend-system"
_ASSUMED_ROLE = re.compile(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/[^/]+$")


def unique_id(principal: str) -> str:
    """``AWS:AROAEXAMPLE:session`` -> ``AROAEXAMPLE``; ``AROAEXAMPLE:session`` -> ``AROAEXAMPLE``."""
    return principal.strip().removeprefix("AWS:").split(":", 1)[0]


class BackendPrincipal:
    """The backend's own identity, looked up once per cold start (and only when first needed)."""

    def __init__(self, sts: STSClient | None = None) -> None:
        self._sts = sts
        self._user_id: str | None = None
        self._arn: str | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[str, str]:
        with self._lock:
            if self._user_id is None or self._arn is None:
                if self._sts is None:
                    import boto3

                    self._sts = boto3.client("sts", config=retry_config())
                sts = self._sts
                response = sts.get_caller_identity()
                self._user_id, self._arn = response["UserId"], response["Arn"]
            return self._user_id, self._arn

    def wrote(self, principal_id: str) -> bool:
        """True when an S3 event's ``principalId`` is this backend's own role (any session of it)."""
        theirs = unique_id(principal_id)
        if not theirs:
            return False
        return theirs == unique_id(self._load()[0])

    @property
    def user_id(self) -> str:
        """What the backend writes as ``user_id`` of its modification entries: its IAM role ARN."""
        arn = self._load()[1]
        match = _ASSUMED_ROLE.match(arn)
        if match is None:
            return arn or SYSTEM_USER
        partition, account, role = match.groups()
        return f"arn:{partition}:iam::{account}:role/{role}"
