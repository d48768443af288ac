"""CloudFront Lambda@Edge handlers for sign-in; the same file goes into two packages.

- ``viewer_request``: the gatekeeper on every request. Its package holds this file, the standard-library-only
  gatekeeper modules of ``ccm``, ``edge_config.json`` and the portal's 404 page; nothing else may be imported on
  its path (1 MB limit). The same function answers the web behaviour's origin responses: a file the web bucket
  does not have gets the portal's 404 page (``ccm.edge.not_found``).
- ``saml_handler``: origin-request on ``/saml/*`` with python3-saml, Powertools and boto3, imported lazily so
  that the gatekeeper never loads them.

Lambda@Edge has no environment variables: both read ``edge_config.json`` next to this file, written at build
time by ``ccm edge-config build``. Tests and the local stack point them elsewhere with :func:`use_config`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccm.edge.edge_config import EdgeConfig, load_edge_config
from ccm.edge.gatekeeper import Gatekeeper
from ccm.edge.live_authorizer import LiveAuthorizer
from ccm.edge.not_found import is_origin_response, with_not_found_page
from ccm.edge.session import SessionCookie

CONFIG_PATH = Path(__file__).with_name("edge_config.json")
NOT_FOUND_PAGES = (Path(__file__).with_name("not_found.html"), Path(__file__).resolve().parents[2] / "web" / "404.html")
"""The page baked into the package, else (in a checkout: tests, the local stack) the portal's own file."""
SERVICE = "ccm-edge-auth"
METRICS_NAMESPACE = "CCM"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

_config_source: Path | EdgeConfig = CONFIG_PATH
_config: EdgeConfig | None = None
_gatekeeper: Gatekeeper | None = None
_saml_entry: Handler | None = None
_not_found_page: str | None = None
_live_authorizer: LiveAuthorizer | None = None


def use_config(source: str | Path | EdgeConfig) -> None:
    """Read the edge configuration from ``source`` from now on instead of the file baked into the package."""
    global _config_source, _config, _gatekeeper, _saml_entry, _live_authorizer
    _config_source = source if isinstance(source, EdgeConfig) else Path(source)
    _config = _gatekeeper = _saml_entry = _live_authorizer = None


def _edge_config() -> EdgeConfig:
    global _config
    if _config is None:
        _config = _config_source if isinstance(_config_source, EdgeConfig) else load_edge_config(_config_source)
    return _config


def _not_found() -> str | None:
    global _not_found_page
    if _not_found_page is None:
        found = next((path for path in NOT_FOUND_PAGES if path.is_file()), None)
        if found is None:
            logging.getLogger("ccm.edge").error("no 404 page in the package: the web bucket's answer is passed on")
            return None
        _not_found_page = found.read_text(encoding="utf-8")
    return _not_found_page


def viewer_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if is_origin_response(event):
        return with_not_found_page(event, _not_found())
    global _gatekeeper
    if _gatekeeper is None:
        # The Lambda runtime's root logger passes only warnings; the gatekeeper's info lines explain sessions.
        logging.getLogger("ccm").setLevel(logging.INFO)
        _gatekeeper = Gatekeeper(_edge_config())
    return _gatekeeper.handle(event)


# DESIGN.md names the viewer-request entry point ``handler``; both names reach the same gatekeeper.
handler = viewer_request


def live_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The live WebSocket API's ``$connect`` authoriser: a regional function from this same package, so it trusts
    exactly the sessions the gatekeeper trusts (``ccm.edge.live_authorizer``)."""
    global _live_authorizer
    if _live_authorizer is None:
        config = _edge_config()
        _live_authorizer = LiveAuthorizer(SessionCookie(config.cookie_keys, config.session), config.public_origin)
    decision = _live_authorizer.decide(event)
    if not decision.allowed:
        logging.getLogger("ccm.edge").warning("live connection refused: %s", decision.reason)
    return decision.policy(str(event.get("methodArn") or "*"))


def saml_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _saml_entry
    if _saml_entry is None:
        _saml_entry = _build_saml_entry(_edge_config())
    return _saml_entry(event, context)


def _build_saml_entry(config: EdgeConfig) -> Handler:
    import boto3
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    from ccm.aws.clients import RETRY_CONFIG
    from ccm.edge.cloudfront import EdgeRequest
    from ccm.edge.replay import DynamoReplayCache
    from ccm.edge.signin import Rejection, SamlSignIn

    logger = Logger(service=SERVICE)

    def count_rejection(rejection: Rejection) -> None:
        with single_metric(
            name="SignInsRejected", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
        ) as metric:
            metric.add_dimension(name="service", value=SERVICE)
            metric.add_metadata(key="reason", value=rejection.reason)

    dynamodb = boto3.client("dynamodb", region_name=config.replay_region, config=RETRY_CONFIG)
    replay = DynamoReplayCache(config.replay_table, dynamodb)
    signin = SamlSignIn(config, replay, on_rejection=count_rejection, log=logger)

    @logger.inject_lambda_context(correlation_id_path="Records[0].cf.config.requestId")
    def entry(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return signin.handle(EdgeRequest.from_event(event)).to_cloudfront()

    return entry
