"""``SubscriptionConfig.json``: who is subscribed to which topics in bulk, for every customer or for some.

The original tool's format, an expanded topic name -> a list of addresses, applies to every customer; a
``customers`` object beside it adds entries for single customers::

    {
      "aws-calendar": ["noc@example.com"],
      "customers": {"alpha": {"finops-announce": ["finance@alpha.example.com"]}}
    }

A topic must be one of SESConfig.json's (after prefix expansion) and a customer one of config.json's, so the
model is validated with both in its context. An address may appear once per topic and customer: a second
spelling of it (addresses are compared without regard to case) or a customer entry repeating a global one is
reported, as is a key written twice in one JSON object (JSON would silently keep only the last list).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from ccm.config import AppConfig, Email, SesConfig, parse_model
from ccm.errors import ConfigError
from ccm.jsonfile import read_json

SUBSCRIPTION_CONFIG_FILE = "SubscriptionConfig.json"
CUSTOMERS_KEY = "customers"
SCHEMA_KEY = "$schema"
"""Names the file's JSON Schema for editors; no topic is spelled with a '$', so it is never taken for one."""

TopicAddresses = dict[str, list[Email]]
"""Topic -> addresses."""


@dataclass(frozen=True)
class Listed:
    """One address the file subscribes for a customer, as first written, and its topics in file order."""

    email: str
    topics: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.email.lower()


def _problem(loc: tuple[str | int, ...], message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("subscription_config", message), loc=loc, input=value)


def _raw_sections(data: Any) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """The file's topic mappings as written (global, then each customer's), skipping what is not even an object."""
    if not isinstance(data, Mapping):
        return
    yield (), {topic: value for topic, value in data.items() if topic not in (CUSTOMERS_KEY, SCHEMA_KEY)}
    customers = data.get(CUSTOMERS_KEY)
    if isinstance(customers, Mapping):
        for code, section in customers.items():
            if isinstance(section, Mapping):
                yield (CUSTOMERS_KEY, str(code)), section


def _addresses(value: Any) -> list[tuple[int, str]]:
    if not isinstance(value, list):
        return []
    return [(index, item.strip()) for index, item in enumerate(value) if isinstance(item, str)]


def _unknown(data: Any, topics: list[str] | None, customers: list[str] | None) -> Iterator[InitErrorDetails]:
    if customers is not None and isinstance(data, Mapping) and isinstance(data.get(CUSTOMERS_KEY), Mapping):
        for code in data[CUSTOMERS_KEY]:
            if code not in customers:
                yield _problem((CUSTOMERS_KEY, code), f"{code!r} is not a customer of config.json", code)
    if topics is None:
        return
    known = ", ".join(topics)
    for where, section in _raw_sections(data):
        for topic in section:
            if topic not in topics:
                yield _problem((*where, topic), f"unknown topic {topic!r}; SESConfig.json has {known}", topic)


def _repeated(data: Any) -> Iterator[InitErrorDetails]:
    everyone: dict[str, set[str]] = {}
    for where, section in _raw_sections(data):
        if not where:
            everyone = {topic: {a.lower() for _, a in _addresses(value)} for topic, value in section.items()}
        for topic, value in section.items():
            seen: set[str] = set()
            for index, address in _addresses(value):
                key = address.lower()
                if key in seen:
                    message = f"{address!r} is listed twice under {topic} (addresses ignore case)"
                    yield _problem((*where, topic, index), message, address)
                elif where and key in everyone.get(topic, set()):
                    message = f"{address!r} is already listed under {topic} for every customer"
                    yield _problem((*where, topic, index), message, address)
                seen.add(key)


def _as_problem(error: ErrorDetails) -> InitErrorDetails:
    return _problem(tuple(error["loc"]), error["msg"].removeprefix("Value error, "), error["input"])


class SubscriptionConfig(BaseModel):
    """Validated with ``context={"topics": [...], "customers": [...]}``; without a context only the shape,
    the addresses and the duplicates are checked. Every problem of the file is reported at once."""

    model_config = ConfigDict(extra="allow", frozen=True)

    __pydantic_extra__: dict[str, list[Email]] = Field(init=False)
    customers: dict[str, dict[str, list[Email]]] = Field(
        default_factory=dict,
        description="Entries for single customers: customer code -> expanded topic name -> addresses.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _consistent(
        cls, data: Any, handler: ModelWrapValidatorHandler[SubscriptionConfig], info: ValidationInfo
    ) -> SubscriptionConfig:
        context = info.context or {}
        if isinstance(data, Mapping) and SCHEMA_KEY in data:
            data = {key: value for key, value in data.items() if key != SCHEMA_KEY}
        problems = [*_unknown(data, context.get("topics"), context.get("customers")), *_repeated(data)]
        try:
            model = handler(data)
        except ValidationError as error:
            problems = [*(_as_problem(item) for item in error.errors(include_url=False)), *problems]
            raise ValidationError.from_exception_data(cls.__name__, problems) from None
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return model

    @property
    def every_customer(self) -> TopicAddresses:
        return dict(self.__pydantic_extra__ or {})

    def _sections(self) -> Iterator[TopicAddresses]:
        yield self.every_customer
        yield from self.customers.values()

    def listed_for(self, code: str) -> dict[str, Listed]:
        """Every address subscribed for customer ``code`` (global entries, then its own), by lower-cased address."""
        found: dict[str, Listed] = {}
        for section in (self.every_customer, self.customers.get(code, {})):
            for topic, addresses in section.items():
                for address in addresses:
                    before = found.get(address.lower())
                    if before is None:
                        found[address.lower()] = Listed(address, (topic,))
                    elif topic not in before.topics:
                        found[address.lower()] = Listed(before.email, (*before.topics, topic))
        return found

    def address_count(self) -> int:
        """Distinct addresses in the whole file."""
        return len({address.lower() for section in self._sections() for group in section.values() for address in group})


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys written more than once in it."""

    repeated: list[str]


def _remember_repeats(pairs: list[tuple[str, Any]]) -> _JsonObject:
    result = _JsonObject()
    result.repeated = []
    for key, value in pairs:
        if key in result and key not in result.repeated:
            result.repeated.append(key)
        result[key] = value
    return result


def _repeated_keys(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(value, _JsonObject):
        for key in value.repeated:
            yield ".".join((*path, key))
        for key, inner in value.items():
            yield from _repeated_keys(inner, (*path, key))


def read_subscription_json(path: Path) -> dict[str, Any]:
    hint = " (the bulk subscriptions file; see docs/configuration.md, SubscriptionConfig.json)"
    data = read_json(path, missing_hint=hint, object_pairs_hook=_remember_repeats)
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: (top level): must be a JSON object")
    repeats = list(_repeated_keys(data))
    if repeats:
        raise ConfigError(
            "\n".join(
                f"{path.name}: {key}: written more than once in the same object; JSON keeps only the last, "
                "so merge them into one"
                for key in repeats
            )
        )
    return data


def load_subscription_config(path: str | Path, config: AppConfig, ses_config: SesConfig) -> SubscriptionConfig:
    """The file checked against SESConfig.json's topics and config.json's customers; errors name file, key, reason."""
    file = Path(path)
    context = {"topics": ses_config.topic_names(), "customers": config.customer_codes}
    return parse_model(SubscriptionConfig, read_subscription_json(file), file, context)
