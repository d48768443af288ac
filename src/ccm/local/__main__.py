"""``python -m ccm.local`` (``make dev``): run the whole system on this machine until Ctrl-C.

Flags, or the environment variables in brackets: ``--port`` (``CCM_LOCAL_PORT``, default 8080; 0 picks a free
one), ``--aws-port`` (``CCM_AWS_PORT``, 4566; 0 picks a free one), ``--graph-port`` (``CCM_GRAPH_PORT``, 8443: the
local Graph and token endpoint over HTTPS), ``--data`` (``CCM_LOCAL_DATA``,
``.local-data``), ``--web`` (``web``), ``--config`` (``CCM_CONFIG``, ``config.json``), ``--ses-config``
(``CCM_SES_CONFIG``, ``SESConfig.json``), ``--subscription-config`` (``CCM_SUBSCRIPTION_CONFIG``,
``SubscriptionConfig.json`` when it exists; applied at the first start), ``--snapshot-interval`` (seconds, 0 = only
on shutdown), ``--visibility-timeout`` (of the customer queues, which is also the backend's timeout),
``--clock-interval`` (``CCM_CLOCK_INTERVAL``, seconds between two runs of the clock, 15; 0 = never),
``--customers`` (``CCM_CUSTOMERS``: that many customers in all, config.json's own and generated demo ones;
:mod:`ccm.local.demo_customers`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from ccm.ast_construction import serialize_ast_construction
from ccm.errors import CcmError
from ccm.local.atomic_emulator import make_emulator_requests_atomic
from ccm.local.scheduler import DEFAULT_INTERVAL as DEFAULT_CLOCK_INTERVAL
from ccm.local.stack import LocalStack, StackOptions, Started


def _environment(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _optional_file(name: str, default: str) -> Path | None:
    """A file named in the environment must exist (checked at start); the default is used only when present."""
    if os.environ.get(name):
        return Path(os.environ[name])
    return Path(default) if Path(default).is_file() else None


def parse_options(argv: list[str] | None = None) -> StackOptions:
    parser = argparse.ArgumentParser(
        prog="python -m ccm.local", description="Run the Customer Contact Manager locally."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=int(_environment("CCM_LOCAL_PORT", "8080")))
    parser.add_argument("--aws-port", type=int, default=int(_environment("CCM_AWS_PORT", "4566")))
    parser.add_argument("--graph-port", type=int, default=int(_environment("CCM_GRAPH_PORT", "8443")))
    parser.add_argument("--data", type=Path, default=Path(_environment("CCM_LOCAL_DATA", ".local-data")))
    parser.add_argument("--web", type=Path, default=Path("web"))
    parser.add_argument("--config", type=Path, default=Path(_environment("CCM_CONFIG", "config.json")))
    parser.add_argument("--ses-config", type=Path, default=Path(_environment("CCM_SES_CONFIG", "SESConfig.json")))
    parser.add_argument(
        "--subscription-config", type=Path, default=_optional_file("CCM_SUBSCRIPTION_CONFIG", "SubscriptionConfig.json")
    )
    parser.add_argument("--snapshot-interval", type=float, default=30.0)
    parser.add_argument("--visibility-timeout", type=int, default=60)
    parser.add_argument(
        "--clock-interval", type=float, default=float(_environment("CCM_CLOCK_INTERVAL", str(DEFAULT_CLOCK_INTERVAL)))
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=int(os.environ["CCM_CUSTOMERS"]) if os.environ.get("CCM_CUSTOMERS") else None,
        help="run with this many customers: config.json's own, then generated demo customers",
    )
    args = parser.parse_args(argv)
    return StackOptions(
        config_path=args.config,
        ses_config_path=args.ses_config,
        subscription_config_path=args.subscription_config,
        data_dir=args.data,
        web_dir=args.web,
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        graph_port=args.graph_port,
        snapshot_interval=args.snapshot_interval,
        visibility_timeout=args.visibility_timeout,
        clock_interval=args.clock_interval,
        bucket=_environment("CCM_BUCKET", "ccm-metadata"),
        table=_environment("CCM_TABLE", "ccm-catalog"),
        customers=args.customers,
    )


def banner(started: Started) -> str:
    width = max(len(user.email) for user in started.users)
    users = [
        f"    {user.email.ljust(width)}  {user.label}" + (f" (groups: {', '.join(user.groups)})" if user.groups else "")
        for user in started.users
    ]
    data = started.data_dir
    lines = [
        "",
        "Customer Contact Manager, local stack",
        "",
        f"  Open {started.portal_url}/",
        "",
        "  Sign in on the development identity provider as:",
        *users,
        "",
        f"  Outbox (every email and meeting): {started.portal_url}/dev/outbox",
        f"  AWS emulator: {started.aws_endpoint} (`source {data}/env` points the ccm CLI at it)",
        *([f"  Microsoft Graph (Teams meetings): {started.graph_url}"] if started.graph_url else []),
        f"  Data: {data}/ ({started.restored}); logs in {data}/logs/; `make dev-reset` starts afresh",
        *(f"  {note}" for note in started.notes),
        "",
        f"Ready in {started.seconds:.1f} s. Press Ctrl-C to stop.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    try:
        options = parse_options(argv)
        options.check()
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
        logging.getLogger("ccm.local").setLevel(logging.INFO)
        serialize_ast_construction()  # the emulator's server threads lex its templates and build its URL rules
        make_emulator_requests_atomic()  # and serve conditional writes from several threads at once
        LocalStack(options, lambda started: print(banner(started), flush=True)).run()
    except CcmError as error:
        print(f"make dev: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while starting: everything started so far has been stopped
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
