"""The tables of a report summary: the same numbers the charts show, as rows, for the CLI and CSV exports."""

from __future__ import annotations

from typing import Any

from ccm.domain.reports import OUTCOMES, RISKS, TYPES

TABLES = ("months", "approval", "notice", "outcomes", "below")


def report_tables(summary: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Name -> (header, rows) of every table of a summary (as :meth:`Summary.public` gives it)."""
    months = summary["months"]
    return {
        "months": (
            ["month", "changes", *TYPES, *(f"{risk} risk" for risk in RISKS), "emergency share", "deliveries"],
            [
                [
                    m["month"],
                    m["changes"],
                    *(m["byType"][kind] for kind in TYPES),
                    *(m["byRisk"][risk] for risk in RISKS),
                    m["emergencyShare"],
                    m["deliveries"],
                ]
                for m in months
            ],
        ),
        "approval": (
            ["month", "approvals", "median hours", "p90 hours"],
            [
                [
                    m["month"],
                    m["approvalLeadTime"]["count"],
                    m["approvalLeadTime"]["medianHours"],
                    m["approvalLeadTime"]["p90Hours"],
                ]
                for m in months
            ],
        ),
        "notice": (
            ["month", "changes announced", "median hours", "p90 hours"],
            [
                [
                    m["month"],
                    m["noticeLeadTime"]["count"],
                    m["noticeLeadTime"]["medianHours"],
                    m["noticeLeadTime"]["p90Hours"],
                ]
                for m in months
            ],
        ),
        "outcomes": (
            ["customer", *OUTCOMES, "total"],
            [
                [row["customer"], *(row[outcome] for outcome in OUTCOMES), row["total"]]
                for row in summary["outcomesByCustomer"]
            ],
        ),
        "below": (
            ["id", "title", "window start", "notice hours", "customers"],
            [
                [row["id"], row["title"], row["windowStart"], row["noticeHours"], " ".join(row["customers"])]
                for row in summary["belowNoticeMinimum"]
            ],
        ),
    }
