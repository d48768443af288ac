"""Client settings every AWS call goes through.

botocore's adaptive retry mode backs off on throttling and adds client-side rate limiting once AWS starts to
throttle. ``AWS_ENDPOINT_URL`` (read by boto3 itself) points every client at a local emulator.

``botocore.config`` pulls in most of botocore (endpoints, parsers, urllib3): the Lambda handlers import this module
on their cold-start path, so the configuration is built when the first client is, not at import
(``RETRY_CONFIG`` stays importable for the command line, which builds clients at once anyway).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.config import Config

    RETRY_CONFIG: Config


@cache
def retry_config() -> Config:
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "max_attempts": 8},
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=50,
    )


def __getattr__(name: str) -> Config:
    if name == "RETRY_CONFIG":
        return retry_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def http_status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def is_precondition_failed(error: ClientError) -> bool:
    return http_status(error) == 412 or error_code(error) in {"PreconditionFailed", "412"}


def is_not_found(error: ClientError) -> bool:
    return http_status(error) == 404 or error_code(error) in {
        "NoSuchKey",
        "NotFound",
        "404",
        "NotFoundException",
    }
