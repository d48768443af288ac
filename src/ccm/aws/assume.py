"""Sessions in each customer's own AWS account, by assumed role, cached until shortly before they expire."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ccm.aws.clients import retry_config

if TYPE_CHECKING:
    import boto3
    from botocore.loaders import Loader
    from mypy_boto3_sts import STSClient

_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass
class _Cached:
    session: boto3.Session
    expires: datetime


class RoleSessions:
    """One boto3 session per (role, region), renewed five minutes before the credentials expire.

    ``session_policy`` (an IAM policy document as JSON) narrows what every session may do below what the role
    allows: a caller that only reads gets sessions that cannot write, whatever the customer's role grants.
    """

    def __init__(
        self, sts: STSClient | None = None, session_prefix: str = "ccm", session_policy: str | None = None
    ) -> None:
        self._sts = sts
        self._prefix = session_prefix
        self._policy = session_policy
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._lock = threading.Lock()
        # One loader for every session: each new botocore session would otherwise parse the same service
        # models from disk again, which dominates the cost of working across many customer accounts.
        self._loader: Loader | None = None

    def _client(self) -> STSClient:
        if self._sts is None:
            import boto3

            self._sts = boto3.client("sts", config=retry_config())
        return self._sts

    def session(self, role_arn: str, region: str, session_name: str | None = None) -> boto3.Session:
        key = (role_arn, region)
        now = datetime.now(UTC)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.expires - _REFRESH_MARGIN > now:
                return cached.session
        name = (session_name or f"{self._prefix}-{role_arn.rsplit('/', 1)[-1]}")[:64]
        if self._policy is not None:
            assumed = self._client().assume_role(RoleArn=role_arn, RoleSessionName=name, Policy=self._policy)
        else:
            assumed = self._client().assume_role(RoleArn=role_arn, RoleSessionName=name)
        credentials = assumed["Credentials"]
        import boto3
        import botocore.loaders
        import botocore.session

        core = botocore.session.get_session()
        with self._lock:
            if self._loader is None:
                self._loader = botocore.loaders.create_loader()
        core.register_component("data_loader", self._loader)
        session = boto3.Session(
            botocore_session=core,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )
        with self._lock:
            self._cache[key] = _Cached(session, credentials["Expiration"])
        return session
