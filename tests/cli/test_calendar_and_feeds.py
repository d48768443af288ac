"""``ccm calendar freezes`` and ``ccm feeds url|rotate``, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from ccm.storage.table import create_table_arguments
from tests.cli.conftest import Ccm
from tests.conftest import CONFIG_PATH, TABLE

FREEZES = [
    {
        "name": "Year-end freeze",
        "reason": "Peak",
        "customers": ["*"],
        "timezone": "Europe/Berlin",
        "start": "2030-12-20T00:00",
        "end": "2031-01-03T00:00",
    },
    {
        "name": "Friday releases",
        "customers": ["alpha", "bravo"],
        "timezone": "America/New_York",
        "start": "2030-03-01T16:00",
        "rrule": "FREQ=WEEKLY;BYDAY=FR",
        "duration": "PT2H",
    },
]


@pytest.fixture
def calendar_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    document = json.loads(Path(CONFIG_PATH).read_text())
    document["change_calendar"] = {"freeze_windows": FREEZES}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    monkeypatch.setenv("CCM_CONFIG", str(path))
    return path


def test_freezes_prints_each_occurrence_in_its_own_zone_across_dst(ccm: Ccm, calendar_config: Path) -> None:
    found = ccm.json("calendar", "freezes", "--from", "2030-03-01", "--to", "2030-03-15", "-c", "alpha")

    assert [(item["name"], item["start"]) for item in found] == [
        ("Friday releases", "2030-03-01T21:00:00Z"),
        ("Friday releases", "2030-03-08T21:00:00Z"),
        ("Friday releases", "2030-03-15T20:00:00Z"),  # 16:00 EDT after the change of 2030-03-10
    ]
    assert ccm.json("calendar", "freezes", "--from", "2030-03-01", "--to", "2030-03-15", "-c", "charlie") == []
    table = ccm("calendar", "freezes", "--from", "2030-12-01", "--to", "2030-12-31")
    assert table.exit_code == 0 and "Year-end freeze" in table.output and "CET" in table.output


def test_freezes_refuses_an_unknown_customer_and_a_backwards_range_with_a_sentence(
    ccm: Ccm, calendar_config: Path
) -> None:
    unknown = ccm("calendar", "freezes", "-c", "nobody")
    backwards = ccm("calendar", "freezes", "--from", "2030-02-01", "--to", "2030-01-01")

    assert unknown.exit_code == 1 and "unknown customer code(s): nobody" in unknown.output
    assert backwards.exit_code == 1 and "--to must not be before --from" in backwards.output


def test_feeds_url_keeps_the_address_until_rotate_replaces_it(ccm: Ccm) -> None:
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))

    first = ccm.json("feeds", "url", "-c", "alpha")
    again = ccm.json("feeds", "url", "-c", "alpha")
    rotated = ccm.json("feeds", "rotate", "-c", "alpha")

    assert first == again and first["ics"].startswith("https://ccm.example.com/feeds/alpha/")
    assert first["ics"].endswith(".ics") and first["page"] == first["ics"].removesuffix(".ics")
    assert rotated["ics"] != first["ics"] and ccm.json("feeds", "url", "-c", "alpha") == rotated
    assert ccm.json("feeds", "url", "-c", "bravo")["ics"] != rotated["ics"]
    refused = ccm("feeds", "url", "-c", "nobody")
    assert refused.exit_code == 1 and "unknown customer code(s): nobody" in refused.output
