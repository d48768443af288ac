"""Email fan-out: one approved change to 25 customers x 200 subscribers, at the customers' SES send quotas.

Each customer has its own trigger queue, so the 25 triggers are processed side by side as 25 Lambda invocations
would be: here 25 processes started together, each running the real pipeline (trigger check, archive and catalog
on its own in-process AWS emulator, recipients, renderer, dispatcher, per-account rate limiter, ledger,
``processed`` annotation, trigger deletion) against its own SES account. That SES is a fake which answers every
call after 80 ms and enforces the account's send quota the way SES does (a bucket of one second's worth of
sends, refilled at the quota); the delivery ledger is the in-memory one with 5 ms per write, about what
DynamoDB takes in-region. For quotas of 14/s and 50/s it prints the send rate each account achieved divided by
its quota (goal: at least 0.95 at 50/s, with no throttling) and the CPU each process spent in its email step (render
once, MIME once, then per recipient: ledger claim, rate limiter, the SES call, ledger mark) per recipient; then the
same for one customer's process alone, which is what a Lambda invocation with a CPU of its own pays (25 processes
sharing two cores pay for switching between them and their threads too). Each process first runs one unmeasured
round, so that a cold start's imports are not counted per recipient. The archive and catalog writes around the step
run in the emulator, whose CPU is not ours, and are left out.

Then the CPU of an email's templates and MIME: one rendering, which each customer's message pays once, and per
recipient (goal: at most 0.3 ms), the rendering shared by a customer's subscribers plus each recipient's own copy
(its ``To:`` header; a completion email's signed rating links). Last, the CPU of the step's waits alone (the same
pool, pacing and sleeps with no work in them): most of the step's CPU per recipient is this machine's cost of
putting a thread to sleep and waking it, four times per recipient, which real network calls pay as well.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import emulated_aws

CUSTOMERS = 25
SUBSCRIBERS = 200
QUOTAS = [14.0, 50.0]
WARM_UP_QUOTA = 10_000.0
SES_LATENCY = 0.080
LEDGER_LATENCY = 0.005
RENDERS = 200
BARRIER_TIMEOUT = 120.0
ROOT = Path(__file__).resolve().parents[1]

import boto3  # noqa: E402  (imported before the processes fork, so that each starts warm)
from tests.backend_fakes import MemoryLedger  # noqa: E402
from tests.backend_support import NOW, trigger_body  # noqa: E402
from tests.factories import make_change  # noqa: E402

from ccm.aws.ratelimit import RateLimiter  # noqa: E402
from ccm.backend.principal import BackendPrincipal  # noqa: E402
from ccm.backend.wiring import build_backend  # noqa: E402
from ccm.config import CustomerMapping  # noqa: E402
from ccm.domain.feedback import FeedbackKey, FeedbackKeys  # noqa: E402
from ccm.mail.decisions import Topics, decide  # noqa: E402
from ccm.mail.delivery import Dispatcher, workers_for  # noqa: E402
from ccm.mail.port import Throttled  # noqa: E402
from ccm.mail.render import EmailRenderer  # noqa: E402
from ccm.settings import Settings  # noqa: E402
from ccm.storage.archive import ArchiveStore  # noqa: E402
from ccm.storage.catalog import Catalog  # noqa: E402
from ccm.storage.ledger import Claim, DeliveryKey  # noqa: E402
from ccm.storage.repository import Repository  # noqa: E402
from ccm.storage.table import create_table_arguments  # noqa: E402


def _config_without_channels() -> str:
    """config.json without the customers' chat and webhook channels: this bench measures email alone (the channel
    posts have their own tests), and their URLs live in SSM parameters the emulator does not have."""
    document = json.loads((ROOT / "config.json").read_text())
    for mapping in document.get("customer_mappings", {}).values():
        mapping.pop("channels", None)
    handle, path = tempfile.mkstemp(prefix="ccm-bench-config-", suffix=".json")
    with os.fdopen(handle, "w") as file:
        json.dump(document, file)
    return path


SETTINGS = Settings(
    bucket="bench-fanout",
    table="bench-fanout",
    config_path=_config_without_channels(),
    ses_config_path=str(ROOT / "SESConfig.json"),
)


class QuotaSes:
    """One customer's SES: 80 ms per call, and the send quota enforced as SES does (one second of burst)."""

    def __init__(self, customer: CustomerMapping, quota: float) -> None:
        self.customer = customer
        self.quota = quota
        self.tokens = quota
        self.updated = time.monotonic()
        self.lock = threading.Lock()
        self.accepted: list[float] = []
        self.throttled = 0

    def subscribers(self, topic: str) -> list[str]:
        time.sleep(SES_LATENCY)
        return [f"subscriber{i:03d}@{self.customer.customer_code}.example.com" for i in range(SUBSCRIBERS)]

    def suppressed(self) -> frozenset[str]:
        time.sleep(SES_LATENCY)
        return frozenset()

    def max_send_rate(self) -> float:
        return self.quota

    def send(self, recipient: str, raw: bytes, topic: str) -> str:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.quota, self.tokens + (now - self.updated) * self.quota)
            self.updated = now
            if self.tokens < 1:
                self.throttled += 1
                raise Throttled("Maximum sending rate exceeded.")
            self.tokens -= 1
            self.accepted.append(now)
        time.sleep(SES_LATENCY)
        return f"message-{recipient}"

    def send_outside_topics(self, recipient: str, raw: bytes, sender: str | None = None) -> str:
        # The same quota and latency: a message outside the topics is still one send of the account.
        return self.send(recipient, raw, "")


class OneAccount:
    def __init__(self, quota: float) -> None:
        self.quota = quota
        self.box: QuotaSes | None = None

    def for_customer(self, customer: CustomerMapping) -> QuotaSes:
        if self.box is None:
            self.box = QuotaSes(customer, self.quota)
        return self.box


class DynamoPacedLedger(MemoryLedger):
    def claim(self, key: DeliveryKey, recipient: str) -> Claim | None:
        time.sleep(LEDGER_LATENCY)
        return super().claim(key, recipient)

    def mark_sent(self, claim: Claim, message_id: str) -> None:
        time.sleep(LEDGER_LATENCY)
        super().mark_sent(claim, message_id)


def invocations(code: str, codes: list[str], start: Barrier, results: Connection) -> None:
    """One customer's Lambda invocations for its trigger of the approved change, one per quota."""
    with emulated_aws():
        boto3.client("s3").create_bucket(Bucket=SETTINGS.bucket)
        boto3.client("dynamodb").create_table(**create_table_arguments(SETTINGS.table))
        repository = Repository(ArchiveStore(SETTINGS.bucket), Catalog(SETTINGS.table))
        principal = BackendPrincipal()
        # A first, unmeasured round at no quota: what the first invocation of a cold start imports and compiles
        # (bench/cold_start.py measures that) is not a cost of each recipient.
        for round_number, quota in [(-1, WARM_UP_QUOTA), *enumerate(QUOTAS)]:
            account, ledger = OneAccount(quota), DynamoPacedLedger()
            backend = build_backend(
                SETTINGS,
                repository=repository,
                mailboxes=account,
                ledger=ledger,
                principal=principal,
                dispatcher=Dispatcher(ledger),
            )
            change = make_change(
                changeId=f"CHG-fanout-{round_number + 1}",
                status="approved",
                customers=codes,
                approvedBy="a@example.com",
            )
            repository.create(change, "archive")
            repository.archive.put_trigger(code, change, "approved_announcement")
            body = trigger_body(code, change.id, bucket=SETTINGS.bucket)
            # 25 forked processes share two cores here: a full collection in each would walk (and so copy) the
            # heap they inherited, which a Lambda with a process of its own never pays for.
            gc.collect()
            gc.freeze()
            step = backend.pipeline.email
            cpu = measure_cpu(step)
            if round_number >= 0:
                start.wait()
            result = backend.processor.process_message(body)
            box = account.box
            assert box is not None and result.outcomes[0].action == "processed"
            if round_number < 0:
                continue
            achieved = (len(box.accepted) - 1) / (box.accepted[-1] - box.accepted[0])
            results.send((len(box.accepted), achieved / quota, box.throttled, cpu[0] * 1000 / len(box.accepted)))
    results.close()


def measure_cpu(step: Any) -> list[float]:
    """The process's CPU time spent in ``step.run`` (its sending threads included), summed into the list."""
    spent = [0.0]
    run = step.run

    def measured(context: Any) -> None:
        started = time.process_time()
        try:
            run(context)
        finally:
            spent[0] += time.process_time() - started

    step.run = measured
    return spent


def fan_out(codes: list[str], senders: list[str]) -> list[tuple[float, int, float, float, float, int, float]]:
    """Start one process per customer of ``senders`` (the change names all of ``codes``), then release them
    together once per quota."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(senders) + 1, timeout=BARRIER_TIMEOUT)
    pipes, processes = [], []
    for code in senders:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=invocations, args=(code, codes, start, sender))
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    rows = []
    for quota in QUOTAS:
        start.wait()
        began = time.monotonic()
        results = [pipe.recv() for pipe in pipes]
        wall = time.monotonic() - began
        ratios = [ratio for _, ratio, _, _ in results]
        sent, throttled = sum(n for n, _, _, _ in results), sum(t for _, _, t, _ in results)
        cpu = statistics.median(per_recipient for _, _, _, per_recipient in results)
        rows.append((quota, sent, wall, min(ratios), statistics.median(ratios), throttled, cpu))
    for process in processes:
        process.join()
    return rows


def per_recipient_cpu(codes: list[str]) -> list[tuple[str, float, float]]:
    """CPU of an email's templates + MIME, per recipient of one customer's ``SUBSCRIBERS``: one rendering (with its
    serialisation) shared by all of them, plus what each recipient's copy costs (its ``To:`` header, and for a
    completion email its own signed rating links). Returns (email, rendering ms, each recipient's copy ms)."""
    keys = FeedbackKeys(current=FeedbackKey.generate(NOW))
    renderer = EmailRenderer(SETTINGS.config, SETTINGS.ses_config, feedback_keys=lambda: keys)
    topics = Topics.from_ses_config(SETTINGS.ses_config)
    approved = make_change(status="approved", customers=codes, approvedBy="approver@example.com")
    completed = make_change(status="completed", customers=codes, approvedBy="approver@example.com")
    addresses = [f"subscriber{i:03d}@{codes[0]}.example.com" for i in range(SUBSCRIBERS)]
    rows = []
    for label, sample in [("approved", approved), ("completed (rating links)", completed)]:
        notice = decide(sample, topics)
        assert notice is not None
        renderer.render(sample, notice, codes[0], NOW)  # templates are compiled once per cold start
        # A new version each time, so that each is rendered rather than found in the renderer's cache.
        versions = [sample.model_copy(update={"version": sample.version + 1 + i}) for i in range(RENDERS)]
        cpu = time.process_time()
        prepared = [renderer.render(v, notice, codes[0], NOW).prepare("n@mail.example.com", NOW) for v in versions]
        rendering = (time.process_time() - cpu) / RENDERS * 1000
        if label.startswith("completed"):
            assert prepared[0].recipient_token is not None, "the completion email carries no rating links"
        cpu = time.process_time()
        for email in prepared[:10]:
            for address in addresses:
                email.for_recipient(address)
        copy = (time.process_time() - cpu) / (10 * len(addresses)) * 1000
        rows.append((label, rendering, copy))
    return rows


def waits_alone_cpu(quota: float) -> float:
    """CPU per recipient of the email step's waits with no work in them: each recipient's task on a pool of the
    dispatcher's size waits for its turn at ``quota`` and sleeps through the ledger claim, the SES call and the ledger
    mark, as the fakes do. What the thread switches around those waits cost this machine, for comparison."""
    limiter = RateLimiter(quota, burst=1)

    def recipient(_: int) -> None:
        time.sleep(LEDGER_LATENCY)
        limiter.acquire()
        time.sleep(SES_LATENCY)
        time.sleep(LEDGER_LATENCY)

    cpu = time.process_time()
    with ThreadPoolExecutor(max_workers=workers_for(quota)) as pool:
        list(pool.map(recipient, range(SUBSCRIBERS)))
    return (time.process_time() - cpu) / SUBSCRIBERS * 1000


def main() -> None:
    codes = SETTINGS.config.customer_codes[:CUSTOMERS]
    print(f"one approved change to {len(codes)} customers x {SUBSCRIBERS} subscribers, each customer's trigger")
    print(f"in its own process at once; SES answers in {SES_LATENCY * 1000:.0f} ms and enforces the quota")
    header = f"{'quota/s':>8} {'sent':>6} {'wall s':>7} {'achieved/quota min':>19} {'median':>7} {'throttled':>10}"
    print(f"{header} {'CPU ms/recipient':>17}")
    rows = fan_out(codes, codes)
    for quota, sent, wall, worst, median, throttled, cpu in rows:
        print(f"{quota:>8.0f} {sent:>6} {wall:>7.1f} {worst:>19.3f} {median:>7.3f} {throttled:>10} {cpu:>17.3f}")
    # What one invocation pays when it has a CPU of its own, as each Lambda does: the rows above share two cores
    # between 25 processes and their sending threads, whose switching shows up in their CPU time.
    alone = fan_out(codes, codes[:1])
    print("one customer's trigger alone (the same change, its own process, nothing else running):")
    for quota, sent, wall, worst, median, throttled, cpu in alone:
        print(f"{quota:>8.0f} {sent:>6} {wall:>7.1f} {worst:>19.3f} {median:>7.3f} {throttled:>10} {cpu:>17.3f}")
    renderings = per_recipient_cpu(codes)
    print(f"CPU per rendered email (templates + MIME, once per customer): {renderings[0][1]:.2f} ms, mean of {RENDERS}")
    print(f"CPU per email (templates + MIME) per recipient, one rendering shared by a customer's {SUBSCRIBERS}:")
    worst = 0.0
    for label, rendering, copy in renderings:
        each = rendering / SUBSCRIBERS + copy
        worst = max(worst, each)
        print(f"  {label:<26} {each:.3f} ms ({rendering:.2f} ms rendering / {SUBSCRIBERS} + {copy:.3f} ms own copy)")
    waits = waits_alone_cpu(QUOTAS[-1])
    print(
        f"the email step's waits alone at {QUOTAS[-1]:.0f}/s (ledger, rate limiter, SES, no work): {waits:.3f} ms of"
        " CPU per recipient, part of the step's CPU above"
    )
    fastest = rows[-1]
    met = fastest[3] >= 0.95 and all(row[5] == 0 for row in rows)
    print(f"goal (every account at >= 0.95 of 50/s, no throttling): {'met' if met else 'NOT met'}")
    cheap = worst <= 0.3
    print(f"goal (templates + MIME at most 0.3 ms of CPU per recipient): {'met' if cheap else 'NOT met'}")


if __name__ == "__main__":
    main()
