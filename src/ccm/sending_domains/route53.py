"""Route 53 changes as UPSERTs that keep every value they did not come to change.

A record set is replaced as a whole by an UPSERT, so each change starts from the values the zone has now and
only adds or rewrites ours (see :class:`~ccm.sending_domains.records.Merge`). Planning against the zone's current
state makes the set-up idempotent: a second run plans nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccm.errors import CcmError
from ccm.sending_domains.records import SES_SPF_INCLUDE, Merge, WantedRecord

if TYPE_CHECKING:
    from mypy_boto3_route53 import Route53Client

MAX_RECORDS_PER_BATCH = 1000
"""Route 53 accepts at most 1,000 resource record values per ChangeResourceRecordSets call."""


class OutsideZone(CcmError):
    def __init__(self, name: str, zone: str) -> None:
        super().__init__(
            f"{name} is not inside hosted zone {zone}; set route53_config.zone_id to the zone of the domain"
        )


@dataclass(frozen=True)
class RecordSet:
    name: str
    type: str
    ttl: int
    values: tuple[str, ...]


def normalize_name(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _same(record_type: str, left: str, right: str) -> bool:
    if record_type in {"CNAME", "MX"}:
        return normalize_name(left) == normalize_name(right)
    return left == right


def _is(prefix: str, value: str) -> bool:
    return value.strip('"').strip().lower().startswith(prefix)


def _with_ses_include(spf: str) -> str:
    """``"v=spf1 mx -all"`` -> ``"v=spf1 mx include:amazonses.com -all"``: before the final ``all``, if any."""
    terms = spf.strip('"').split()
    position = next((i for i, term in enumerate(terms) if term.lstrip("+-~?").lower() == "all"), len(terms))
    terms.insert(position, SES_SPF_INCLUDE)
    return '"' + " ".join(terms) + '"'


def merge_values(record_type: str, values: list[str], wanted: WantedRecord) -> list[str]:
    if wanted.merge is Merge.ONLY:
        return [wanted.value]
    if wanted.merge is Merge.SPF:
        policies = [v for v in values if _is("v=spf1", v)]
        if not policies:
            return [*values, wanted.value]
        if any(SES_SPF_INCLUDE in v.lower() for v in policies):
            return values
        return [_with_ses_include(v) if v == policies[0] else v for v in values]
    if wanted.merge is Merge.DMARC:
        others = [v for v in values if not _is("v=dmarc1", v)]
        return [*others, wanted.value]
    if any(_same(record_type, v, wanted.value) for v in values):
        return values
    return [*values, wanted.value]


@dataclass(frozen=True)
class PlannedChange:
    name: str
    type: str
    ttl: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    purposes: tuple[str, ...]

    def as_change(self) -> dict[str, Any]:
        return {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": f"{self.name}.",
                "Type": self.type,
                "TTL": self.ttl,
                "ResourceRecords": [{"Value": value} for value in self.after],
            },
        }


def plan_changes(current: dict[tuple[str, str], RecordSet], wanted: Iterable[WantedRecord]) -> list[PlannedChange]:
    grouped: dict[tuple[str, str], list[WantedRecord]] = {}
    for record in wanted:
        grouped.setdefault((normalize_name(record.name), record.type), []).append(record)
    changes: list[PlannedChange] = []
    for (name, record_type), records in sorted(grouped.items()):
        existing = current.get((name, record_type))
        before = list(existing.values) if existing else []
        after = before
        for record in records:
            after = merge_values(record_type, after, record)
        if after != before:
            ttl = existing.ttl if existing else min(record.ttl for record in records)
            purposes = tuple(dict.fromkeys(record.purpose for record in records))
            changes.append(PlannedChange(name, record_type, ttl, tuple(before), tuple(after), purposes))
    return changes


def change_batches(changes: list[PlannedChange], comment: str) -> list[dict[str, Any]]:
    """Change batches within Route 53's per-request limit; each is exactly what ChangeResourceRecordSets gets."""
    batches: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for change in changes:
        values = len(change.after)
        if current and size + values > MAX_RECORDS_PER_BATCH:
            batches.append({"Comment": comment, "Changes": current})
            current, size = [], 0
        current.append(change.as_change())
        size += values
    if current:
        batches.append({"Comment": comment, "Changes": current})
    return batches


class HostedZone:
    def __init__(self, route53: Route53Client, zone_id: str) -> None:
        self.route53 = route53
        self.zone_id = zone_id
        self._name: str | None = None

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = normalize_name(self.route53.get_hosted_zone(Id=self.zone_id)["HostedZone"]["Name"])
        return self._name

    def check_inside(self, names: Iterable[str]) -> None:
        for name in names:
            normalized = normalize_name(name)
            if normalized != self.name and not normalized.endswith(f".{self.name}"):
                raise OutsideZone(normalized, self.name)

    def record_sets(self) -> dict[tuple[str, str], RecordSet]:
        """Every record set of the zone, all pages."""
        found: dict[tuple[str, str], RecordSet] = {}
        for page in self.route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=self.zone_id):
            for raw in page["ResourceRecordSets"]:
                if "AliasTarget" in raw or "SetIdentifier" in raw:
                    continue  # alias and routing-policy sets are not ours to merge into
                key = (normalize_name(raw["Name"]), raw["Type"])
                values = tuple(record["Value"] for record in raw.get("ResourceRecords", []))
                found[key] = RecordSet(key[0], raw["Type"], int(raw.get("TTL", 300)), values)
        return found

    def apply(self, batches: list[dict[str, Any]]) -> list[str]:
        return [
            self.route53.change_resource_record_sets(HostedZoneId=self.zone_id, ChangeBatch=batch)["ChangeInfo"]["Id"]  # type: ignore[arg-type]
            for batch in batches
        ]
