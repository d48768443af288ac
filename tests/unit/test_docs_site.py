"""The docs site (docs/, mkdocs.yml) and README.md, the front page that leads into it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
FORMER_README_SECTIONS = (
    "Two commands",
    "Local stack",
    "How it works",
    "Email delivery",
    "Meetings",
    "Layout",
    "Configuration",
    "SubscriptionConfig.json",
    "The portal",
    "The portal API",
    "Operator commands",
    "Sign-in",
    "Deploying to AWS",
    "Before the first deployment",
    "Sign-in: the identity provider in IAM Identity Center",
    "First deployment",
    "After a deployment",
    "Deleting the stack",
    "Who answers a slow request",
    "Rotating the cookie key",
    "The contact import (ECS Fargate)",
    "Operating it",
    "Operations",
    "Whom an item reaches, and what happened",
    "Performance",
    "Notices and reminders",
    "Change calendar",
)
"""Every section README.md had before it became the front page; each must still be a heading of the docs."""
HEADING = re.compile(r"^#{1,4} (.+?)\s*$", re.MULTILINE)
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def _nav_pages(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_pages(value)


def _published_headings() -> dict[str, str]:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    headings: dict[str, str] = {}
    for page in _nav_pages(nav):
        text = re.sub(r"^```.*?^```", "", (DOCS / page).read_text(), flags=re.MULTILINE | re.DOTALL)
        headings.update({heading: page for heading in HEADING.findall(text)})
    return headings


def test_the_readme_is_a_front_page_under_8_kb() -> None:
    assert README.stat().st_size < 8 * 1024
    assert "make dev" in README.read_text() and "make test" in README.read_text()


def test_a_new_section_goes_into_the_docs_not_into_the_readme() -> None:
    sections = re.findall(r"^## (.+)$", README.read_text(), flags=re.MULTILINE)
    assert sections == ["Two commands", "Documentation"], (
        "README.md is the front page: put a feature's section in a page under docs/ (listed in mkdocs.yml's nav) "
        "and, if it needs one, a row in README's Documentation table"
    )


def test_every_former_readme_section_is_a_heading_of_a_page_in_the_docs_navigation() -> None:
    published = _published_headings()
    assert [section for section in FORMER_README_SECTIONS if section not in published] == []


def test_every_link_of_the_readme_leads_to_a_file_of_the_repository() -> None:
    targets = [target for target, _ in LINK.findall(README.read_text()) if "://" not in target]
    assert targets, "the README links into the docs"
    assert [target for target in targets if not (ROOT / target).exists()] == []
    assert {target for target in targets if target.startswith("docs/") and target.endswith(".md")} >= {
        "docs/index.md",
        "docs/getting-started.md",
        "docs/reference/configuration.md",
    }


def test_the_screenshots_are_shown_in_the_docs() -> None:
    shown = {target for page in DOCS.rglob("*.md") for target, _ in LINK.findall(page.read_text())}
    screenshots = {f"screenshots/{path.name}" for path in (DOCS / "screenshots").glob("*.png")}
    assert screenshots and screenshots <= shown


def test_the_site_builds_with_no_warning(tmp_path: Path) -> None:
    """What `make docs` runs: --strict turns every warning (a broken link or anchor, a page left out) into a failure."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (tmp_path / "site" / "reference" / "configuration.html").is_file()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    for page in DOCS.rglob("*.md"):
        target = tmp_path / "docs" / page.relative_to(DOCS)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.read_text())
    (tmp_path / "docs" / "screenshots").mkdir(exist_ok=True)
    for picture in (DOCS / "screenshots").glob("*.png"):
        (tmp_path / "docs" / "screenshots" / picture.name).write_bytes(picture.read_bytes())
    (tmp_path / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    with (tmp_path / "docs" / "upgrading.md").open("a") as upgrading:
        upgrading.write("\nSee [the page that is not there](no-such-page.md).\n")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr
