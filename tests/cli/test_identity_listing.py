"""``ccm identity-center users|groups|memberships``: the directory as the import sees it, every page of it."""

from __future__ import annotations

from tests.cli.conftest import Ccm
from tests.fakes.aws_watch import AwsWatch
from tests.fakes.identity_center import SeededDirectory, SeedUser, role_group

BRAVO_DIRECTORY = "200000000002"


def big_directory() -> SeededDirectory:
    """More than a page (100) of groups, and a group with more than a page of members."""
    directory = SeededDirectory(BRAVO_DIRECTORY)
    everyone = role_group("bravo", "developer")
    directory.add_users([SeedUser(f"dev{i:03}", f"dev{i:03}@example.com", [everyone]) for i in range(150)])
    for i in range(120):
        directory.group(f"team-{i:03}")
    directory.join("dev007", role_group("bravo", "security"))
    return directory


def test_groups_and_their_members_are_read_past_the_first_page(ccm: Ccm, watch: AwsWatch) -> None:
    big_directory()

    result = ccm.json("identity-center", "groups", "-c", "bravo", "--ic-rps", "0")["results"][0]

    assert len(result["groups"]) == 122
    developers = next(g for g in result["groups"] if g["role"] == "developer")
    assert developers["members"] == 150
    assert watch.count("identitystore", ["ListGroups"]) == 2
    assert watch.count("identitystore", ["ListGroupMemberships"]) == 122 + 1  # one group needs a second page


def test_users_are_listed_in_the_original_dump_format(ccm: Ccm) -> None:
    big_directory()
    users = ccm.json("identity-center", "users", "-c", "bravo", "--ic-rps", "0")["results"][0]["users"]
    assert len(users) == 150
    assert set(users[0]) == {"user_id", "user_name", "display_name", "email", "given_name", "family_name", "active"}


def test_one_users_groups_and_topics(ccm: Ccm, watch: AwsWatch) -> None:
    big_directory()
    watch.reset()

    result = ccm.json("identity-center", "memberships", "-c", "bravo", "--username", "dev007")["results"][0]

    (entry,) = result["users"]
    assert entry["user_name"] == "dev007"
    assert entry["groups"] == sorted([role_group("bravo", "developer"), role_group("bravo", "security")])
    assert {"aws-approval", "inner-announce"} <= set(entry["topics"])
    assert watch.count("identitystore", ["ListUsers", "ListGroups", "ListGroupMemberships"]) == 0


def test_an_unknown_user_name_fails_with_a_sentence(ccm: Ccm) -> None:
    big_directory()
    result = ccm.json("identity-center", "users", "-c", "bravo", "--username", "nobody", expect_exit=1)
    assert "no user named 'nobody'" in result["results"][0]["error"]
