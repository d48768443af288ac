"""Identity Center -> SES import of 10,000 users: requests made, time taken, and time to expect in AWS.

One customer whose directory holds 10,000 users in 300 groups. Three runs: the first import (every contact
new), a second with nothing changed, and one after 100 users changed role. For each: Identity Center and SES
requests (counted with botocore event hooks; SES pages contacts 1,000 at a time as the real service does),
the wall time against the in-process emulator with the rate limiters off, and the wall time predicted at the
default limits (Identity Center 9 requests/s per directory, SES 1 request/s per account, one customer).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import emulated_aws

USERS = 10_000
GROUPS = 300
ROLE_CHANGES = 100
CODE = "alpha"
ROLES = ["cloudeng", "dba", "developer", "devops", "security", "networking", "finance"]
IC_RATE, SES_RATE = 9.0, 1.0


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def main() -> None:
    import boto3
    import boto3.session
    from tests.fakes.aws_watch import SES_CONTACT_WRITES, AwsWatch
    from tests.fakes.identity_center import SeededDirectory, SeedUser, role_group

    from ccm.aws.customer_clients import CustomerClients
    from ccm.config import load_config, load_ses_config
    from ccm.contact_import.importer import ContactImporter, ImportOptions
    from ccm.contact_import.record import GrantRecordStore

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config.json")
    ses_config = load_ses_config(root / "SESConfig.json")
    customer = config.customer(CODE)
    assert customer.identity_center_role_arn is not None
    rng = random.Random(10)
    with emulated_aws():
        watch = AwsWatch(page_size=1000)
        original = boto3.session.Session.client

        def observed(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
            return watch.attach(original(self, *args, **kwargs))

        boto3.session.Session.client = observed  # type: ignore[method-assign]
        boto3.client("s3").create_bucket(Bucket="bench-bucket")
        directory = SeededDirectory(customer.identity_center_role_arn.split(":")[4])
        groups = [role_group(f"org{i // len(ROLES)}", ROLES[i % len(ROLES)], app=f"app{i}") for i in range(GROUPS)]
        seeds = [
            SeedUser(f"user{i}", f"user{i}@example.com", rng.sample(groups, rng.randint(1, 3))) for i in range(USERS)
        ]
        directory.add_users(seeds)
        memberships = sum(len(seed.groups) for seed in seeds)

        def run() -> tuple[int, int, int, float]:
            watch.reset()
            clients = CustomerClients(ses_rate=0, identity_center_rate=0)
            records = GrantRecordStore(boto3.client("s3"), "bench-bucket")
            importer = ContactImporter(clients, ses_config, records, ImportOptions(config.identity_center.group_prefix))
            started = time.perf_counter()
            importer.run(customer)
            elapsed = time.perf_counter() - started
            ic_calls = watch.count("identitystore") + watch.count("sso-admin")
            return ic_calls, watch.count("sesv2"), watch.count("sesv2", SES_CONTACT_WRITES), elapsed

        rows = [("first import (all new)", *run()), ("second import (no change)", *run())]
        # users with one role group that is not finance move to a finance group: each one's topics change
        movers = [s for s in seeds if len(s.groups) == 1 and not s.groups[0].endswith("finance")][:ROLE_CHANGES]
        finance = next(g for g in groups if g.endswith("finance"))
        for seed in movers:
            directory.leave(seed.user_name, seed.groups[0])
            directory.join(seed.user_name, finance)
        rows.append((f"after {ROLE_CHANGES} role changes", *run()))
        boto3.session.Session.client = original  # type: ignore[method-assign]

    print(f"Identity Center import: {USERS:,} users, {GROUPS} groups, {memberships:,} memberships, one customer")
    columns = ("IC calls", 9), ("SES calls", 10), ("SES writes", 11), ("time, no limiter", 17)
    header = "".join(f" {name:>{width}}" for name, width in columns)
    print(f"{'run':28}{header} {'predicted at 9 IC/s + 1 SES/s':>30}")
    for name, ic_calls, ses_calls, writes, elapsed in rows:
        predicted = ic_calls / IC_RATE + ses_calls / SES_RATE
        print(f"{name:28} {ic_calls:>9,} {ses_calls:>10,} {writes:>11,} {elapsed:>15.1f} s {duration(predicted):>30}")
    print("(time without limiter is mostly the in-process emulator, which re-serializes every user for each page)")
    per_user = 1 + USERS // 100 + GROUPS // 100 + 1 + USERS
    print(
        f"reading memberships per user instead of per group would take {per_user:,} Identity Center calls "
        f"({duration(per_user / IC_RATE)} at 9/s) for every run"
    )


if __name__ == "__main__":
    main()
