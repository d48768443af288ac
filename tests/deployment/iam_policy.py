"""IAM's evaluation of identity-based policies, for the operators and elements this project's template uses.

Written from the IAM User Guide ("Policy evaluation logic", "Condition operators", "Single-valued vs.
multivalued context keys"): an explicit Deny wins, then any Allow, else the request is implicitly denied. A
statement applies when its Action (or NotAction), Resource (or NotResource) and every condition match.
Anything this module does not implement (numeric, date and IP operators, policy variables) raises
:class:`UnsupportedPolicy` instead of guessing, so a template that grows past it fails loudly.

No maintained evaluator on PyPI covers these semantics: moto's IAM enforcement ignores every condition operator
but StringEquals and checks resources for few services, so it would pass the very grants this test is for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tests.deployment.iam_requests import AuthorizationRequest

Statement = dict[str, Any]


class UnsupportedPolicy(Exception):
    """The policy uses an element or operator this evaluator does not implement."""


@lru_cache(maxsize=4096)
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    if "${" in pattern:
        raise UnsupportedPolicy(f"policy variables are not evaluated: {pattern}")
    translated = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{translated}$", 0 if case_sensitive else re.IGNORECASE)


def _matches(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    return _glob(pattern, case_sensitive).match(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    return _matches(pattern, action, case_sensitive=False)


def arn_matches(pattern: str, arn: str) -> bool:
    """ARN patterns match segment by segment: a wildcard never spans the ':' between partition, service, region
    and account; in the resource part (which may itself hold ':') it spans anything."""
    if pattern == "*":
        return True
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return _matches(pattern, arn)
    return all(_matches(p, a) for p, a in zip(wanted, actual, strict=True))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- conditions -------------------------------------------------------------------------------------------


def _string_equals(policy: str, value: str) -> bool:
    return policy == value


def _string_equals_ignore_case(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def _string_like(policy: str, value: str) -> bool:
    return _matches(policy, value)


def _bool(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


_COMPARISONS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (arn_matches, False),
    "ArnLike": (arn_matches, False),
    "ArnNotEquals": (arn_matches, True),
    "ArnNotLike": (arn_matches, True),
    "Bool": (_bool, False),
}


def _condition_holds(operator: str, key: str, policy_values: list[str], request: AuthorizationRequest) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    values = request.value(key)
    if base == "Null":
        absent = values is None or len(values) == 0
        return any((str(v).lower() == "true") == absent for v in policy_values)
    if base not in _COMPARISONS:
        raise UnsupportedPolicy(f"condition operator {operator} is not evaluated")
    compare, negated = _COMPARISONS[base]

    def one(value: str) -> bool:
        matched = any(compare(str(p), value) for p in policy_values)
        return not matched if negated else matched

    if qualifier == "ForAllValues":
        return all(one(value) for value in values or ())
    if qualifier == "ForAnyValue":
        return any(one(value) for value in values or ())
    if qualifier:
        raise UnsupportedPolicy(f"condition set operator {qualifier} is not evaluated")
    if not values:
        # A key missing from the request: true only for IfExists and for negated operators.
        return if_exists or negated
    return one(values[0])


def failed_condition(statement: Statement, request: AuthorizationRequest) -> str | None:
    """The first condition of ``statement`` that does not hold for ``request``, described; None if all hold."""
    for operator, keys in statement.get("Condition", {}).items():
        for key, policy_values in keys.items():
            if not _condition_holds(operator, key, [str(v) for v in _as_list(policy_values)], request):
                actual = request.value(key)
                shown = "absent" if actual is None else "|".join(actual)
                return f"{operator} {key} {_as_list(policy_values)} (the request's {key} is {shown})"
    return None


# -- statements and policies ------------------------------------------------------------------------------


def _action_applies(statement: Statement, action: str) -> bool:
    if "NotAction" in statement:
        return not any(action_matches(p, action) for p in _as_list(statement["NotAction"]))
    return any(action_matches(p, action) for p in _as_list(statement.get("Action", [])))


def _resource_applies(statement: Statement, resource: str) -> bool:
    if "NotResource" in statement:
        return not any(arn_matches(p, resource) for p in _as_list(statement["NotResource"]))
    return any(arn_matches(p, resource) for p in _as_list(statement.get("Resource", [])))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    by: str | None = None
    """The Sid of the statement that decided (the allowing one, or the denying one)."""
    near_misses: tuple[str, ...] = field(default=())
    """Why each statement that grants the action did not apply."""

    def reason(self, role: str) -> str:
        """Why ``role`` decided so, for a message that already names the request."""
        if self.allowed:
            return f"{role} allows it ({self.by})"
        if self.by is not None:
            return f"{role} denies it explicitly in statement {self.by}"
        return f"{role} has no statement that allows it" + "".join(f"; {miss}" for miss in self.near_misses)

    def explain(self, role: str, request: AuthorizationRequest) -> str:
        return f"{request.describe()}: {self.reason(role)}"


def evaluate(statements: Sequence[Statement], request: AuthorizationRequest) -> Decision:
    allowed_by: str | None = None
    near_misses = []
    for index, statement in enumerate(statements):
        sid = str(statement.get("Sid", f"statement {index + 1}"))
        if not _action_applies(statement, request.action):
            continue
        if not _resource_applies(statement, request.resource):
            if statement.get("Effect") == "Allow":
                near_misses.append(f"{sid} grants {request.action} on {_as_list(statement.get('Resource'))} only")
            continue
        failed = failed_condition(statement, request)
        if failed is not None:
            if statement.get("Effect") == "Allow":
                near_misses.append(f"{sid} grants it only when {failed}")
            continue
        if statement.get("Effect") == "Deny":
            return Decision(False, sid)
        allowed_by = allowed_by or sid
    if allowed_by is not None:
        return Decision(True, allowed_by)
    return Decision(False, None, tuple(near_misses))


def statements_of(documents: Iterable[dict[str, Any]]) -> list[Statement]:
    return [statement for document in documents for statement in _as_list(document.get("Statement", []))]
