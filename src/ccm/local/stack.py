"""The local stack: every part of the system on this machine, started in order and stopped in reverse.

1. The web server binds its port first (so the portal's address is known; requests wait until the stack is
   ready), then the AWS emulator starts and every client of this process tree is pointed at it.
2. A local copy of config.json (portal address, Graph endpoints) is written and the functions' execution
   environments start (each a process; see :mod:`ccm.local.lambdas`) while the emulator is provisioned.
3. The data folder's snapshot comes back (or, on the first run, the demo directory and contacts are made and
   SubscriptionConfig.json is applied).
4. The development identity provider and the edge configuration that trusts it; the queue workers; the outbox;
   periodic snapshots; the clock's schedule. Then the banner, and requests are served until SIGINT or SIGTERM.

Stopping runs the same list backwards: no new requests, the workers finish the batch in hand, a last
snapshot, the environments end, the emulator stops. Nothing is left running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import boto3

from ccm.aws.clients import RETRY_CONFIG
from ccm.config import AppConfig, SesConfig, load_ses_config
from ccm.devidp.local import local_sign_in
from ccm.devidp.provider import DemoUser
from ccm.devidp.wsgi import DevIdpApp
from ccm.domain.times import utc_now
from ccm.errors import CcmError
from ccm.local.cloudfront import s3_origin
from ccm.local.demo import import_contacts, opt_in_by_choice, report_failures, seed_directories
from ccm.local.demo_calendar import CONFLICT_CUSTOMER, demo_feed_page, seed_calendar_changes
from ccm.local.demo_changes import seed_demo_changes
from ccm.local.demo_feedback import seed_demo_feedback
from ccm.local.demo_history import seed_change_history
from ccm.local.demo_subscriptions import apply_subscriptions
from ccm.local.demo_templates import seed_demo_template
from ccm.local.edge_server import EdgeFunctions, LocalEdge
from ccm.local.graph_server import GraphServer
from ccm.local.hooks import HOOKS_PATH, HookCatcher, seed_channel_parameters
from ccm.local.http import StartResponse, WsgiApp
from ccm.local.lambdas import FunctionSpec, LocalFunction
from ccm.local.list_management import LinkSigner, LocalListManagement, serve_list_management
from ccm.local.live_socket import MANAGEMENT_PATH, LiveSockets, ManagementApi, PortalFront
from ccm.local.local_config import GraphEndpoints, write_local_config
from ccm.local.outbox import Outbox
from ccm.local.outbox_pages import OutboxApp
from ccm.local.repeating import Repeating
from ccm.local.scheduler import DEFAULT_INTERVAL as DEFAULT_CLOCK_INTERVAL
from ccm.local.scheduler import LocalSchedule
from ccm.local.ses_simulator import LocalSesEvents
from ccm.local.snapshot import SNAPSHOT_FILE, Snapshot
from ccm.local.static_site import StaticSite
from ccm.local.stream_poller import StreamPoller
from ccm.local.subscription_pages import SubscriptionPages, customer_contact_lists
from ccm.local.ticket_systems import JIRA_PATH, SERVICENOW_PATH, start_ticket_stand_ins
from ccm.local.worker import BatchOutcome, QueueWorker, QueueWorkers
from ccm.provision import AUDIT_QUEUE, ROUTER_QUEUE, SES_EVENTS_QUEUE, Provisioner
from ccm.s3_events import queue_name
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.repository import Repository
from ccm.storage.templates import DynamoTemplates
from ccm.subscription_config import SubscriptionConfig, load_subscription_config
from ccm.workflow import Services
from ccm.workflow.triggers import write_triggers

logger = logging.getLogger("ccm.local")

BACKEND_TIMEOUT_MARGIN = 30
"""The backend stops starting sends this long before its time is up (``functions/backend/app.py``)."""
WEB_BUCKET = "ccm-local-web"
OUTBOX_INTERVAL = 0.25
LINK_KEY_FILE = "subscription-link.key"
"""Signs the local SES's subscription links (kept in ``<data>/ses/``, so links of earlier runs keep working)."""
STOP_GRACE_SECONDS = 10.0
"""How long stopping waits for a trigger being processed; an unfinished one is kept and resumes next start."""


class StackError(CcmError):
    pass


@dataclass(frozen=True)
class StackOptions:
    config_path: Path
    ses_config_path: Path
    subscription_config_path: Path | None = None
    """SubscriptionConfig.json, applied at the first start; ``None``: no bulk subscriptions."""
    data_dir: Path = Path(".local-data")
    web_dir: Path = Path("web")
    host: str = "127.0.0.1"
    port: int = 8080
    aws_port: int = 4566
    graph_port: int = 8443
    snapshot_interval: float = 30.0
    clock_interval: float = DEFAULT_CLOCK_INTERVAL
    """Seconds between two runs of the clock (EventBridge Scheduler runs it every 5 minutes in AWS); 0: never."""
    visibility_timeout: int = 60
    poll_wait_seconds: int = 2
    bucket: str = "ccm-metadata"
    table: str = "ccm-catalog"
    customers: int | None = None
    """``--customers N``: the config's customers plus generated ones, N in all (:mod:`ccm.local.demo_customers`)."""

    @property
    def audit_bucket(self) -> str:
        """Named from the data bucket, as the template names it."""
        return f"{self.bucket}-audit"

    def check(self) -> None:
        if self.visibility_timeout < BACKEND_TIMEOUT_MARGIN + 10:
            raise StackError(
                f"--visibility-timeout must be at least {BACKEND_TIMEOUT_MARGIN + 10} seconds: the backend runs with "
                f"that timeout and stops sending {BACKEND_TIMEOUT_MARGIN} seconds before it"
            )
        files = [("config", self.config_path), ("SES config", self.ses_config_path)]
        if self.subscription_config_path is not None:
            files.append(("subscription", self.subscription_config_path))
        for name, path in files:
            if not path.is_file():
                raise StackError(f"the {name} file {path} does not exist")


def function_specs(options: StackOptions, edge_config: Path) -> dict[str, FunctionSpec]:
    """The functions of ``infra/template.yaml`` with their timeouts and memory, and local concurrency."""
    logs = options.data_dir / "logs"
    edge_setup = "functions.edge_auth.app:use_config"
    return {
        "gatekeeper": FunctionSpec(
            "ccm-gatekeeper",
            "functions.edge_auth.app:viewer_request",
            timeout_seconds=5,
            memory_mb=128,
            concurrency=2,
            setup=edge_setup,
            setup_argument=str(edge_config),
            log_file=str(logs / "gatekeeper.log"),
        ),
        "saml": FunctionSpec(
            "ccm-saml",
            "functions.edge_auth.app:saml_handler",
            timeout_seconds=10,
            memory_mb=512,
            setup=edge_setup,
            setup_argument=str(edge_config),
            log_file=str(logs / "saml.log"),
        ),
        "api": FunctionSpec(
            "ccm-api", "functions.api.app:handler", 30, 1024, concurrency=2, log_file=str(logs / "api.log")
        ),
        "audit": FunctionSpec(
            "ccm-audit", "functions.audit.app:handler", 60, 512, concurrency=1, log_file=str(logs / "audit.log")
        ),
        "backend": FunctionSpec(
            "ccm-backend",
            "functions.backend.app:handler",
            timeout_seconds=options.visibility_timeout,
            memory_mb=1024,
            concurrency=3,
            log_file=str(logs / "backend.log"),
        ),
        # The live WebSocket API's authoriser (from the gatekeeper's package and edge configuration) and routes.
        "live-authorizer": FunctionSpec(
            "ccm-live-authorizer",
            "functions.edge_auth.app:live_authorizer",
            timeout_seconds=5,
            memory_mb=128,
            concurrency=2,
            setup=edge_setup,
            setup_argument=str(edge_config),
            log_file=str(logs / "live-authorizer.log"),
        ),
        "live": FunctionSpec(
            "ccm-live", "functions.live.app:handler", 10, 256, concurrency=2, log_file=str(logs / "live.log")
        ),
        "clock": FunctionSpec("ccm-clock", "functions.clock.app:handler", 120, 512, log_file=str(logs / "clock.log")),
        "ses-events": FunctionSpec(
            "ccm-ses-events", "functions.ses_events.app:handler", 30, 256, log_file=str(logs / "ses-events.log")
        ),
        # Every customer's S3 triggers reach the router queue, as in the deployment, and go on to its own queue.
        "router": FunctionSpec(
            "ccm-router", "functions.router.app:handler", 30, 256, log_file=str(logs / "router.log")
        ),
    }


class Deferred:
    """The server's application, known only once the stack is built (the port is bound before, to name the URL).

    The server serves nothing before :meth:`LocalStack.run` starts its loop, so requests made while the stack
    starts wait in the listening socket's queue and are answered once it is ready.
    """

    def __init__(self) -> None:
        self.app: WsgiApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        assert self.app is not None, "the server runs only after the stack is built"
        return self.app(environ, start_response)


def local_environment(endpoint: str, region: str) -> dict[str, str]:
    """Every AWS client of the stack and its functions talks to the emulator, with credentials it accepts."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "CCM",
    }


ENVIRONMENT_FILE = "env"
"""``source .local-data/env`` points a shell's ``ccm`` and ``aws`` commands at the running stack."""


def write_environment_file(path: Path, environment: dict[str, str]) -> None:
    lines = [f"export {name}={shlex.quote(value)}" for name, value in sorted(environment.items())]
    path.write_text("# The running local stack's AWS endpoint and settings.\n" + "\n".join(lines) + "\n")


# Variables that would send a client elsewhere than the emulator (a profile, real session credentials).
_FOREIGN_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE")


@dataclass
class Started:
    """What the banner tells and the tests read."""

    portal_url: str
    aws_endpoint: str
    users: tuple[DemoUser, ...]
    seconds: float
    restored: str
    data_dir: Path
    graph_url: str = ""
    notes: list[str] = field(default_factory=list)


def _bound_port(server: Any) -> int:
    """The port waitress listens on (the one asked for, or the free one it was given for port 0)."""
    port = getattr(server, "effective_port", None)
    if port is None:
        port = server.effective_listen[0][1]
    return int(port)


def _quiet_libraries() -> None:
    for name in ("werkzeug", "waitress", "botocore", "boto3", "urllib3", "moto"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _stop_on_signals() -> None:
    """SIGTERM ends the stack as Ctrl-C does; SIGINT does so even when started where it was ignored (``cmd &``)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _ignore_further_signals() -> None:
    """Once stopping has begun it runs to its end (every step is bounded); a second Ctrl-C must not cut it."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


class LocalStack:
    def __init__(self, options: StackOptions, announce: Callable[[Started], None]) -> None:
        self.options = options
        self.announce = announce
        self._restored = False
        self._live: LiveSockets | None = None

    def run(self) -> None:
        """Start everything, serve until SIGINT/SIGTERM, stop everything."""
        from waitress.server import create_server

        self.options.check()
        _stop_on_signals()
        _quiet_libraries()
        started_at = time.monotonic()
        with contextlib.ExitStack() as running:
            try:
                deferred = Deferred()
                # The portal's port belongs to the front, which hands /live upgrades to the socket server and
                # everything else to waitress on a port of its own (ccm.local.live_socket).
                front = PortalFront(self.options.host, self.options.port)
                running.callback(front.stop)
                # poll(), not select(): a thousand open sockets push descriptors past select()'s limit of 1024.
                server = create_server(deferred, host="127.0.0.1", port=0, threads=8, asyncore_use_poll=True)
                running.callback(server.close)
                portal_url = f"http://localhost:{front.port}"
                deferred.app, started = self._start(running, portal_url)
                live = ("127.0.0.1", self._live.port) if self._live is not None else None
                front.start(web=("127.0.0.1", _bound_port(server)), live=live)
                started.seconds = time.monotonic() - started_at
                self.announce(started)
                server.run()  # until SIGINT (KeyboardInterrupt) or SIGTERM (SystemExit), which it catches
            finally:
                _ignore_further_signals()
                logger.info("stopping")

    def _start(self, running: contextlib.ExitStack, portal_url: str) -> tuple[WsgiApp, Started]:
        options = self.options
        data = options.data_dir.resolve()
        endpoint = self._start_emulator(running)
        graph = GraphServer(host="127.0.0.1", port=options.graph_port, cert_dir=data / "graph").start()
        running.callback(graph.stop)
        config = self._configure(data, portal_url, endpoint, graph)
        links = LinkSigner.from_file(data / "ses" / LINK_KEY_FILE)
        running.callback(serve_list_management(LocalListManagement(portal_url, links)))
        functions = self._start_functions(running, data / "devidp" / "edge_config.json")

        ses_config = load_ses_config(options.ses_config_path)
        subscriptions = self._subscriptions(config, ses_config)
        provisioned = Provisioner(
            config,
            ses_config,
            options.bucket,
            options.table,
            visibility_timeout=options.visibility_timeout,
            audit_bucket=options.audit_bucket,
            router=True,
        ).run()
        assert provisioned.events_queue_url is not None
        report_failures("the demo directory", seed_directories(config), logger.warning)
        if config.graph_config is not None:
            graph.seed_parameters(config.graph_config, boto3.client("ssm", config=RETRY_CONFIG))
        catcher = HookCatcher()
        seed_channel_parameters(config, portal_url, boto3.client("ssm", config=RETRY_CONFIG), catcher)
        tickets = start_ticket_stand_ins(config, data, portal_url, boto3.client("ssm", config=RETRY_CONFIG))
        logger.info("AWS emulator at %s provisioned for %d customers", endpoint, len(config.customer_mappings))

        ses_events = LocalSesEvents(
            boto3.client("sqs", region_name=config.aws_region, config=RETRY_CONFIG), provisioned.events_queue_url
        )
        outbox = Outbox(
            {customer.account_id: code for code, customer in config.customer_mappings.items()},
            meetings=lambda: [asdict(action) for action in graph.actions()],
            posts=catcher.documents,
            tickets=tickets.records.document,
            on_email=ses_events.publish,
        )
        snapshot = Snapshot(
            data / SNAPSHOT_FILE,
            config,
            options.bucket,
            options.table,
            outbox,
            graph=graph.graph,
            audit_bucket=options.audit_bucket,
        )
        restored = self._restore_or_seed(snapshot, config, ses_config, subscriptions)
        logger.info("data: %s", restored)
        running.callback(self._final_snapshot, snapshot)
        idp, _ = local_sign_in(
            config,
            data / "devidp",
            public_base_url=portal_url,
            idp_base_url=f"{portal_url}/idp",
            table=options.table,
            region=config.aws_region,
        )
        resumed = self._start_background(running, config, functions, outbox, snapshot)
        for function in functions.values():
            function.wait_ready()
        self._live = LiveSockets(functions["live-authorizer"], functions["live"]).start()
        running.callback(self._live.stop)
        logger.info("functions started: %s", ", ".join(function.spec.name for function in functions.values()))
        edge = LocalEdge(
            portal_url,
            EdgeFunctions(functions["gatekeeper"], functions["saml"], functions["api"]),
            StaticSite(options.web_dir),
            s3_origin(WEB_BUCKET, config.aws_region),
            mounts={
                "/idp": DevIdpApp(idp),
                HOOKS_PATH: catcher,
                SERVICENOW_PATH: tickets.servicenow,
                JIRA_PATH: tickets.jira,
                MANAGEMENT_PATH: ManagementApi(self._live),
                "/dev/subscriptions": SubscriptionPages(
                    links,
                    customer_contact_lists(config),
                    {customer.account_id: customer.customer_name for customer in config.customer_mappings.values()},
                ),
                "/dev": OutboxApp(outbox),
            },
            region=config.aws_region,
        )
        notes = [f"{resumed} interrupted trigger(s) queued again"] if resumed else []
        notes.append(f"{CONFLICT_CUSTOMER}'s maintenance calendar: {demo_feed_page(options.table, portal_url)}")
        return edge, Started(portal_url, endpoint, idp.users, 0.0, restored, options.data_dir, graph.url, notes)

    def _start_emulator(self, running: contextlib.ExitStack) -> str:
        from moto.server import ThreadedMotoServer

        emulator = ThreadedMotoServer(ip_address="127.0.0.1", port=self.options.aws_port, verbose=False)
        emulator.start()
        running.callback(emulator.stop)
        host, port = emulator.get_host_and_port()
        return f"http://{host}:{port}"

    def _configure(self, data: Path, portal_url: str, endpoint: str, graph: GraphServer) -> AppConfig:
        """The local config.json, and the environment every client of this process tree starts with."""
        options = self.options
        endpoints = GraphEndpoints(graph.authority_host, graph.graph_base_url)
        config_path, config = write_local_config(
            options.config_path, data, portal_url, endpoints, customers=options.customers
        )
        for name in _FOREIGN_AWS_VARIABLES:
            os.environ.pop(name, None)
        environment = {
            **local_environment(endpoint, config.aws_region),
            **graph.environment(),
            "CCM_CONFIG": str(config_path),
            "CCM_SES_CONFIG": str(options.ses_config_path.resolve()),
            **(
                {"CCM_SUBSCRIPTION_CONFIG": str(options.subscription_config_path.resolve())}
                if options.subscription_config_path is not None
                else {}
            ),
            "CCM_BUCKET": options.bucket,
            "CCM_AUDIT_BUCKET": options.audit_bucket,
            "CCM_TABLE": options.table,
            # The audit function tells the pages through the local management API, as through API Gateway's.
            "CCM_LIVE_ENDPOINT": portal_url + MANAGEMENT_PATH,
            # The channels' catchers (/dev/hooks) are plain http on this machine; no deployed function has this.
            "CCM_CHANNELS_LOOPBACK_HTTP": "1",
        }
        os.environ.update(environment)
        write_environment_file(data / ENVIRONMENT_FILE, environment)
        # Functions import ``functions.*`` from the repository root, as the Lambda runtime imports from its root.
        sys.path.insert(0, str(Path.cwd()))
        return config

    def _start_functions(self, running: contextlib.ExitStack, edge_config: Path) -> dict[str, LocalFunction]:
        """One environment of each function starts now, while the emulator is provisioned; more when needed."""
        functions = {name: LocalFunction(spec) for name, spec in function_specs(self.options, edge_config).items()}
        for function in functions.values():
            running.callback(function.close)
            function.warm()
        return functions

    def _start_background(
        self,
        running: contextlib.ExitStack,
        config: AppConfig,
        functions: dict[str, LocalFunction],
        outbox: Outbox,
        snapshot: Snapshot,
    ) -> int:
        """Outbox collection, periodic snapshots, the queue workers (the customers' triggers to the backend, the SES
        events to their handler, the archive's writes to the audit function), the clock's schedule; then the triggers
        an earlier run left."""
        backend = functions["backend"]
        harvester = Repeating("outbox", OUTBOX_INTERVAL, outbox.collect).start()
        running.callback(harvester.stop)
        periodic = Repeating("snapshot", self.options.snapshot_interval, snapshot.save).start()
        running.callback(periodic.stop)
        audit = functions["audit"]
        workers = QueueWorkers(
            [
                *self._workers(config, backend),
                self._router_worker(config, functions["router"]),
                self._events_worker(config, functions),
                self._audit_worker(config, audit),
                self._stream_poller(config, audit),
            ]
        )
        workers.start()
        running.callback(workers.stop, STOP_GRACE_SECONDS + self.options.poll_wait_seconds)
        # Stopped before the workers (callbacks run last-in first): nothing is handed over that nobody reads.
        schedule = Repeating("clock", self.options.clock_interval, LocalSchedule(functions["clock"]).tick).start()
        running.callback(schedule.stop)
        return snapshot.restore_triggers()

    def _subscriptions(self, config: AppConfig, ses_config: SesConfig) -> SubscriptionConfig | None:
        """Read before anything is provisioned, so a broken file stops the start with its key and reason."""
        path = self.options.subscription_config_path
        return load_subscription_config(path, config, ses_config) if path is not None else None

    def _restore_or_seed(
        self, snapshot: Snapshot, config: AppConfig, ses_config: SesConfig, subscriptions: SubscriptionConfig | None
    ) -> str:
        if snapshot.exists:
            self._restored = True
            document = snapshot.load()
            restored = snapshot.restore_state(document)
            contacts = snapshot.restore_contacts(document)
            report_failures("restoring contacts", contacts, logger.warning)
            logger.info("restored from %s: %s", snapshot.path, restored.counts.describe())
            listed = restored.catalog.objects
            return f"restored from {snapshot.path}: the catalog lists {listed} changes, announcements and drafts"
        repository = Repository(ArchiveStore(self.options.bucket), Catalog(self.options.table))
        history = seed_change_history(repository, config, utc_now())
        logger.info("first run: %d finished demo changes of the last months for the reports page", history)
        imported = import_contacts(config, ses_config, self.options.bucket)
        report_failures("the contact import", imported, logger.warning)
        report_failures("the demo people's own choices", opt_in_by_choice(config, ses_config), logger.warning)
        people = sum(outcome.value.created for outcome in imported if outcome.value is not None)
        changes = seed_demo_changes(config, self.options.bucket, self.options.table, utc_now())
        rated = seed_demo_feedback(config, self.options.bucket, self.options.table, utc_now())
        logger.info("demo change %s completed: its completion email carries rating links", rated)
        services = Services.from_settings(Settings.from_env())
        demo = seed_calendar_changes(services.repository, utc_now())
        # Announced like any approved change: the clock's reminders of them wait until their customer was told.
        for change_id in demo:
            for result in write_triggers(services, services.repository.get(change_id)):
                if not result.ok:
                    logger.warning(
                        "the demo change %s: no trigger for %s: %s", change_id, result.customer_code, result.error
                    )
        logger.info("demo changes of the change calendar: %s", ", ".join(demo))
        seeded = (
            f"first run: {people} demo contacts imported from the demo Identity Center directories, "
            f"{len(changes)} demo changes approved"
        )
        template = seed_demo_template(DynamoTemplates(self.options.table), config, utc_now())
        if template is not None:
            seeded += f", standard change template {template} added"
        if subscriptions is None:
            return seeded
        applied = apply_subscriptions(config, ses_config, subscriptions, self.options.bucket)
        report_failures("the bulk subscriptions", applied, logger.warning)
        written = sum(o.value.created + o.value.updated for o in applied if o.value is not None)
        return f"{seeded}, {written} contacts subscribed by {self.options.subscription_config_path}"

    @staticmethod
    def _final_snapshot(snapshot: Snapshot) -> None:
        try:
            counts = snapshot.save()
            logger.info("saved to %s: %s", snapshot.path, counts.describe())
        except Exception as error:  # the previous snapshot stays; say so rather than hide it
            logger.error("the final snapshot failed, %s keeps the previous one: %s", snapshot.path, error)

    def _events_worker(self, config: AppConfig, functions: dict[str, LocalFunction]) -> QueueWorker:
        sqs = boto3.client("sqs", region_name=config.aws_region, config=RETRY_CONFIG)
        url = sqs.get_queue_url(QueueName=SES_EVENTS_QUEUE)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return QueueWorker(
            sqs, url, arn, functions["ses-events"], batch_size=10, wait_seconds=self.options.poll_wait_seconds
        )

    def _router_worker(self, config: AppConfig, router: LocalFunction) -> QueueWorker:
        """The router queue's event source mapping: batches of ten, as the deployment's."""
        sqs = boto3.client("sqs", region_name=config.aws_region, config=RETRY_CONFIG)
        url = sqs.get_queue_url(QueueName=ROUTER_QUEUE)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return QueueWorker(sqs, url, arn, router, batch_size=10, wait_seconds=self.options.poll_wait_seconds)

    def _audit_worker(self, config: AppConfig, audit: LocalFunction) -> QueueWorker:
        """The audit queue's consumer. What it holds before the worker starts came from restoring the snapshot,
        whose audit events and report sums were restored as well: those puts are no new writes."""
        sqs = boto3.client("sqs", region_name=config.aws_region, config=RETRY_CONFIG)
        url = sqs.get_queue_url(QueueName=AUDIT_QUEUE)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if self._restored:
            sqs.purge_queue(QueueUrl=url)
        return QueueWorker(sqs, url, arn, audit, batch_size=10, wait_seconds=self.options.poll_wait_seconds)

    def _stream_poller(self, config: AppConfig, audit: LocalFunction) -> StreamPoller:
        """The audit function's mapping on the table's stream. A restored snapshot's rows were written again
        into a new stream, and their audit events restored with them: the poller starts after them."""
        table = boto3.client("dynamodb", region_name=config.aws_region, config=RETRY_CONFIG)
        arn = table.describe_table(TableName=self.options.table)["Table"]["LatestStreamArn"]
        streams = boto3.client("dynamodbstreams", region_name=config.aws_region, config=RETRY_CONFIG)
        return StreamPoller(
            streams, arn, audit, from_start=not self._restored, wait_seconds=self.options.poll_wait_seconds
        )

    def _workers(self, config: AppConfig, backend: LocalFunction) -> list[QueueWorker]:
        sqs = boto3.client("sqs", region_name=config.aws_region, config=RETRY_CONFIG)

        def report(queue: str, outcome: BatchOutcome) -> None:
            if outcome.failed:
                logger.warning(
                    "%s: %d of %d trigger(s) failed and stay queued", queue, outcome.failed, outcome.received
                )
            elif outcome.received > outcome.test_events:
                logger.info("%s: %d trigger(s) processed", queue, outcome.received)

        workers = []
        for code in config.customer_codes:
            url = sqs.get_queue_url(QueueName=queue_name(config.customer(code)))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            # A client per thread: the workers poll at the same time.
            client = boto3.client("sqs", region_name=config.aws_region, config=RETRY_CONFIG)
            workers.append(
                QueueWorker(client, url, arn, backend, wait_seconds=self.options.poll_wait_seconds, on_batch=report)
            )
        return workers
