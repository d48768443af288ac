"""What browser tests share besides fixtures: the outbox, API calls as the signed-in user, accessibility."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from playwright.sync_api import APIResponse, Locator, Page, Route, expect

from ccm.local.demo_customers import with_customers
from tests.conftest import ROOT

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
Outbox = dict[str, Any]


def wait_for_outbox(stack_url: str, condition: Callable[[Outbox], bool], what: str, timeout: float = 60.0) -> Outbox:
    """Poll the local stack's outbox (``/dev/outbox.json``) until ``condition`` holds."""
    deadline = time.monotonic() + timeout
    outbox: Outbox = {"emails": [], "meetings": []}
    with requests.Session() as session:
        session.trust_env = False  # no proxy from this machine's environment for localhost
        while time.monotonic() < deadline:
            response = session.get(f"{stack_url}/dev/outbox.json", timeout=30)
            response.raise_for_status()
            outbox = response.json()
            if condition(outbox):
                return outbox
            time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s; the outbox holds {len(outbox['emails'])}")


def emails_about(outbox: Outbox, object_id: str, event: str) -> list[dict[str, Any]]:
    return [email for email in outbox["emails"] if email["object_id"] == object_id and email["event"] == event]


def portal_api(
    page: Page, method: str, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None
) -> APIResponse:
    """The API as the signed-in user of ``page`` calls it (the context's cookies), ``body`` sent as JSON, with the
    body hash origin access control needs (of the empty body when there is none); ``headers`` adds e.g. If-Match.
    """
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    sent = {"Accept": "application/json", "x-amz-content-sha256": hashlib.sha256(data).hexdigest()}
    if body is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    return page.request.fetch(path, method=method, headers=sent, data=data if body is not None else None)


def assert_accessible(page: Page, context: str) -> None:
    """axe-core's WCAG 2 A and AA rules on the page as it is now: no serious or critical violation."""
    assert AXE.is_file(), f"{AXE.relative_to(ROOT)} is missing: `make browser-deps` installs it"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not restrict (a <script> tag it would).
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert problems == [], f"accessibility of {context}:\n" + "\n".join(problems)


def assert_no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"


def pick_customers(page: Page, *codes: str) -> None:
    """Choose customers in a form's customer picker as a person does: type the code, pick the match."""
    search = page.locator("#customers-filter")
    for code in codes:
        search.fill(code)
        option = page.locator(f"#customer-{code}")
        if option.get_attribute("aria-selected") != "true":
            option.click()
        expect(option).to_have_attribute("aria-selected", "true")
    search.fill("")


def drop_customers(page: Page, *codes: str) -> None:
    """Take customers out of the picker's selection with their chips' remove buttons."""
    for code in codes:
        page.locator(f'#customers-chips .chip-remove[data-code="{code}"]').click()
        expect(chosen_customer(page, code)).to_have_count(0)


def chosen_customer(page: Page, code: str) -> Locator:
    """The chip of a chosen customer (none when it is not chosen)."""
    return page.locator(f'#customers-chips .chip-remove[data-code="{code}"]')


def generated_customers(count: int) -> dict[str, dict[str, object]]:
    """The customer mappings of a generated config of ``count`` customers (:mod:`ccm.local.demo_customers`):
    config.json's 26 followed by generated ones, as ``--customers count`` runs them."""
    document = with_customers(json.loads((ROOT / "config.json").read_text(encoding="utf-8")), count)
    customers: dict[str, dict[str, object]] = document["customer_mappings"]
    return customers


def codes_where(mappings: dict[str, dict[str, object]], *words: str) -> list[str]:
    """The customers whose code, name, environment or tags hold every word, as the portal matches them."""

    def text(entry: dict[str, object]) -> str:
        tags = entry.get("tags") or []
        assert isinstance(tags, list)
        return " ".join(
            [
                str(entry["customer_code"]),
                str(entry["customer_name"]),
                str(entry.get("environment", "prod")),
                *map(str, tags),
            ]
        ).lower()

    return sorted(code for code, entry in mappings.items() if all(word in text(entry) for word in words))


def filter_by_customer(page: Page, code: str, box: str = "customerFilter") -> None:
    """Choose one customer in a page's customer filter (``box``: its id; approvals, calendar, reports) as a person
    does: type the code, pick the match."""
    page.locator(f"#{box}[role='combobox']").fill(code)
    page.locator(f"#{box}-option-{code}").click()
    expect(filtered_customer(page, box)).to_have_value(code)


def filtered_customer(page: Page, box: str = "customerFilter") -> Locator:
    """The code a page's customer filter holds ("" for all customers), as the form field the filter keeps."""
    return page.locator(f"#{box}Value")


def with_many_customers(
    page: Page, path: str, mappings: dict[str, dict[str, object]], shown: str = "#customer-alpha"
) -> Page:
    """``path`` again, its ``GET /api/customers`` answered by the stack and extended to every customer of
    ``mappings`` (a generated config's, :mod:`ccm.local.demo_customers`): the page gets a thousand customers from
    a stack that runs the demo's 26. Returns once ``shown`` (a selector) is visible: the customers are there."""

    def extend(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        known = {customer["code"] for customer in body["customers"]}
        assert len(known) == 26, "the shared stack runs the demo's 26 customers"
        body["customers"] += [
            {
                "code": code,
                "name": entry["customer_name"],
                "environment": entry["environment"],
                "tags": entry["tags"],
                "usesTeams": entry["uses_teams"],
            }
            for code, entry in mappings.items()
            if code not in known
        ]
        route.fulfill(response=answer, json=body)

    page.context.route("**/api/customers", extend)
    page.goto(path)
    expect(page.locator(shown)).to_be_visible()
    return page
