"""The channels' URLs and signing secrets, read from SSM SecureString parameters and kept a few minutes.

Kept briefly rather than for the life of the process, so a rotated webhook URL or secret takes effect without a
redeployment. Values are never logged; a missing parameter is named (its name is configuration, not a secret).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code, retry_config
from ccm.errors import CcmError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

KEPT_SECONDS = 300.0


class SecretMissing(CcmError):
    """A parameter the configuration names is not in SSM Parameter Store (or is empty)."""


class Secrets(Protocol):
    def value(self, name: str) -> str: ...


class ParameterSecrets:
    def __init__(
        self,
        ssm: SSMClient | None = None,
        *,
        kept_seconds: float = KEPT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ssm = ssm
        self.kept_seconds = kept_seconds
        self.clock = clock
        self._values: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    @property
    def ssm(self) -> SSMClient:
        with self._lock:
            if self._ssm is None:
                import boto3

                self._ssm = boto3.client("ssm", config=retry_config())
            return self._ssm

    def value(self, name: str) -> str:
        now = self.clock()
        with self._lock:
            kept = self._values.get(name)
        if kept is not None and now - kept[0] < self.kept_seconds:
            return kept[1]
        try:
            response = self.ssm.get_parameter(Name=name, WithDecryption=True)
        except ClientError as error:
            if error_code(error) == "ParameterNotFound":
                raise SecretMissing(f"the SSM parameter {name} does not exist") from None
            raise
        value = response.get("Parameter", {}).get("Value", "").strip()
        if not value:
            raise SecretMissing(f"the SSM parameter {name} is empty")
        with self._lock:
            self._values[name] = (now, value)
        return value
