"""Settings read from the environment, validated once per process."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ccm.config import AppConfig, SesConfig, load_config, load_ses_config


def _default_file(name: str) -> str:
    # A Lambda package carries the files at its root; elsewhere they are read from the working directory.
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root and (Path(task_root) / name).exists():
        return str(Path(task_root) / name)
    return name


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    bucket: str = Field(min_length=3)
    table: str = Field(min_length=3)
    config_path: str
    ses_config_path: str
    subscription_config_path: str = "SubscriptionConfig.json"
    audit_bucket: str = Field(default="ccm-metadata-audit", min_length=3)
    """The append-only audit bucket (Object Lock): ``CCM_AUDIT_BUCKET``, else the data bucket's name + ``-audit``
    as the template names it."""
    trigger_queue_prefix: str | None = None
    """The customers' trigger queues are named this plus the customer code (the deployed stack's
    ``<stack>-trigger-``); without it, as config.json's ``sqs_queue_arn`` or ``ccm-<code>`` name them."""

    router_dead_letter_queue: str = "ccm-router-dead-letters"
    """``CCM_ROUTER_DEAD_LETTER_QUEUE``: the queue (by name) where the trigger router puts what it cannot forward:
    keys of customers config.json does not name, bodies that are no S3 event."""

    live_endpoint: str | None = None
    """``CCM_LIVE_ENDPOINT``: the live WebSocket API's management endpoint (``https://<api>.execute-api.<region>.
    amazonaws.com/<stage>``, the local edge's ``/dev/live`` locally); without it the audit function publishes no
    live events."""

    channels_loopback_http: bool = False
    """``CCM_CHANNELS_LOOPBACK_HTTP=1``: channels may post plain http to the loopback interface (the local stack's
    catchers). No deployed function has it."""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            bucket=os.environ.get("CCM_BUCKET", "ccm-metadata"),
            table=os.environ.get("CCM_TABLE", "ccm-catalog"),
            config_path=os.environ.get("CCM_CONFIG") or _default_file("config.json"),
            ses_config_path=os.environ.get("CCM_SES_CONFIG") or _default_file("SESConfig.json"),
            subscription_config_path=os.environ.get("CCM_SUBSCRIPTION_CONFIG")
            or _default_file("SubscriptionConfig.json"),
            audit_bucket=os.environ.get("CCM_AUDIT_BUCKET") or f"{os.environ.get('CCM_BUCKET', 'ccm-metadata')}-audit",
            trigger_queue_prefix=os.environ.get("CCM_TRIGGER_QUEUE_PREFIX") or None,
            router_dead_letter_queue=os.environ.get("CCM_ROUTER_DEAD_LETTER_QUEUE") or "ccm-router-dead-letters",
            live_endpoint=os.environ.get("CCM_LIVE_ENDPOINT") or None,
            channels_loopback_http=os.environ.get("CCM_CHANNELS_LOOPBACK_HTTP", "") == "1",
        )

    @cached_property
    def config(self) -> AppConfig:
        return load_config(self.config_path)

    @cached_property
    def ses_config(self) -> SesConfig:
        return load_ses_config(self.ses_config_path)
