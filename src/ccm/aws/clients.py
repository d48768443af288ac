"""Client settings every AWS call goes through.

botocore's adaptive retry mode backs off on throttling and adds client-side rate limiting once AWS starts to
throttle. ``AWS_ENDPOINT_URL`` (read by boto3 itself) points every client at a local emulator.
"""

from __future__ import annotations

from botocore.config import Config
from botocore.exceptions import ClientError

RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=50,
)


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
