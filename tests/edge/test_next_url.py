"""Where a browser may be sent after sign-in: a path on this site, nothing else."""

from __future__ import annotations

import pytest

from ccm.edge.next_url import UnsafeRedirect, same_site_path

ORIGIN = "https://ccm.example.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/", "/"),
        ("/my-changes.html?status=draft", "/my-changes.html?status=draft"),
        ("/edit-change.html?changeId=CHG-1#history", "/edit-change.html?changeId=CHG-1"),
        ("https://ccm.example.com/approvals.html?customer=alpha", "/approvals.html?customer=alpha"),
        ("HTTPS://CCM.EXAMPLE.COM", "/"),
        ("/%2F%2Fevil.example.net", "/%2F%2Fevil.example.net"),
        ("/saml/logout", "/"),
        ("/saml", "/"),
    ],
)
def test_paths_on_this_site_are_kept(value: str | None, expected: str) -> None:
    assert same_site_path(value, ORIGIN) == expected


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example.net/",
        "https://ccm.example.com.evil.example.net/",
        "http://ccm.example.com/",
        "//evil.example.net/",
        "/\\evil.example.net",
        "\\\\evil.example.net",
        "/\t/evil.example.net",
        "/ /evil.example.net",
        "javascript:alert(1)",
        "data:text/html,hi",
        "evil.example.net",
        "/" + "a" * 3000,
        "//[evil.example.net/",
        "https://[ccm.example.com/",
    ],
)
def test_anything_that_could_leave_the_site_is_refused(value: str) -> None:
    with pytest.raises(UnsafeRedirect):
        same_site_path(value, ORIGIN)
