"""The configuration the local stack runs with: a copy of config.json that points at this machine.

The shipped config.json stays untouched; the copy in the data folder differs only where a local run must: the
portal address the emails link to, when a local Graph endpoint runs, where msal and the Graph client go, and,
when config.json has none, the demo approval policies (:mod:`ccm.local.demo_policies`), the demo's reminder offsets,
the demo freeze windows of the change calendar (:mod:`ccm.local.demo_calendar`) and the ServiceNow and Jira
stand-ins (:mod:`ccm.local.ticket_systems`); with ``--customers N``, generated customers after the config's own
(:mod:`ccm.local.demo_customers`).
Every function of the stack reads it through ``CCM_CONFIG``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ccm.config import AppConfig, load_config
from ccm.domain.times import utc_now
from ccm.errors import ConfigError
from ccm.jsonfile import read_json
from ccm.local.demo_calendar import demo_freeze_windows
from ccm.local.demo_changes import DEMO_REMINDERS
from ccm.local.demo_customers import with_customers
from ccm.local.demo_policies import demo_approval_policies
from ccm.local.ticket_systems import local_integrations

LOCAL_CONFIG_FILE = "config.json"


@dataclass(frozen=True)
class GraphEndpoints:
    authority_host: str
    graph_base_url: str


def local_config_document(
    source: dict[str, Any], portal_base_url: str, graph: GraphEndpoints | None, now: datetime | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(source))  # a deep copy that keeps every key, known or not
    # "$schema" names the schema relative to the repository, which does not resolve from the data folder.
    document.pop("$schema", None)
    document.setdefault("email_config", {})["portal_base_url"] = portal_base_url
    if "change_calendar" not in document:
        document["change_calendar"] = {"freeze_windows": demo_freeze_windows(now or utc_now())}
    if "approval_policies" not in document:
        document["approval_policies"] = demo_approval_policies(document)
    # The local ServiceNow and Jira stand-ins behind the local edge (ccm.local.ticket_systems): a local run never
    # talks to a real instance, like it never talks to the real Graph.
    document["integrations"] = local_integrations(document.get("integrations"), portal_base_url)
    # An hour's reminder besides the day's, so a demo change an hour ahead shows one on the first run.
    document.setdefault("reminders", list(DEMO_REMINDERS))
    if graph is not None:
        graph_config = document.get("graph_config")
        if not isinstance(graph_config, dict):
            raise ConfigError(
                "config.json: graph_config is missing; the local Graph endpoint needs its parameter names"
            )
        graph_config["authority_host"] = graph.authority_host
        graph_config["graph_base_url"] = graph.graph_base_url
    return document


def write_local_config(
    source_path: Path,
    data_dir: Path,
    portal_base_url: str,
    graph: GraphEndpoints | None = None,
    *,
    customers: int | None = None,
) -> tuple[Path, AppConfig]:
    """Write ``data_dir/config.json`` for this run and return it with its validated model.

    ``customers``: that many customers in all, the config's own and generated ones (``--customers``)."""
    source = read_json(source_path)
    if not isinstance(source, dict):
        raise ConfigError(f"{source_path}: must be a JSON object")
    if customers is not None:
        source = with_customers(source, customers)
    document = local_config_document(source, portal_base_url, graph)
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / LOCAL_CONFIG_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(target)
    return target, load_config(target)
