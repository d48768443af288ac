"""From Identity Center group names to roles, and from roles to the SES topics a user should receive.

A role group is named ``<prefix><org>-<environment>-<account id>-idp-<application>-<role>``, e.g.
``ccoe-cloud-acme-sandbox-123456789012-idp-app-devops`` (role ``devops``). The prefix is configurable
(``identity_center.group_prefix`` in config.json, ``--group-prefix`` on the command line); the rest of the
shape is kept exactly as the original importer read it so existing directories keep working.
"""

from __future__ import annotations

from collections.abc import Iterable

from ccm.config import SesConfig, SubscriptionStatus

MIN_PARTS = 5


def role_of_group(group_name: str, prefix: str) -> str | None:
    """The role a group grants, or ``None`` when the name is not a role group.

    After the prefix the name needs at least five ``-`` parts; the account id is the first all-digit part that
    is not the first part, ``idp`` must follow it, then the application, then the role (one part).
    """
    if not group_name.lower().startswith(prefix.lower()):
        return None
    parts = group_name[len(prefix) :].split("-")
    if len(parts) < MIN_PARTS:
        return None
    account_index = next((i for i, part in enumerate(parts) if i > 0 and part.isdigit()), None)
    if account_index is None:
        return None
    role_index = account_index + 3
    if role_index >= len(parts) or parts[account_index + 1].lower() != "idp":
        return None
    role = parts[role_index].strip().lower()
    return role or None


class TopicMapper:
    """Topics for a user: every topic whose default is OPT_IN, then the topics of each role the user holds."""

    def __init__(self, ses_config: SesConfig, group_prefix: str) -> None:
        self.group_prefix = group_prefix
        self._defaults = [t.name for t in ses_config.expanded_topics if t.default_status is SubscriptionStatus.OPT_IN]
        self._by_role: dict[str, list[str]] = {}
        for topic in ses_config.expanded_topics:
            for role in topic.opt_in_roles:
                self._by_role.setdefault(role.strip().lower(), []).append(topic.name)
        self.managed_topics = frozenset([*self._defaults, *(t for ts in self._by_role.values() for t in ts)])
        """Every topic the import may grant; only these can ever be withdrawn by it."""

    def roles(self, group_names: Iterable[str]) -> list[str]:
        found = (role_of_group(name, self.group_prefix) for name in group_names)
        return sorted({role for role in found if role})

    def topics_for_roles(self, roles: Iterable[str]) -> list[str]:
        topics = list(self._defaults)
        for role in roles:
            topics.extend(self._by_role.get(role.lower(), []))
        return list(dict.fromkeys(topics))

    def topics_for_groups(self, group_names: Iterable[str]) -> list[str]:
        return self.topics_for_roles(self.roles(group_names))
