"""The options every per-customer command has, defined once and handed to the command as one object.

A command declares ``fleet: FleetOptions`` where ``--customer``/``--all`` belong among its own parameters and is
decorated with :func:`fleet_command`; its signature, as Typer reads it, then has ``--customer``, ``--all`` there and
``--max-concurrency``, the request-rate limits it names, the options it names in ``last`` and ``--json`` at the end,
in that order, as every command had them written out before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar, get_type_hints

from ccm.aws.customer_clients import SES_REQUESTS_PER_SECOND, CustomerClients
from ccm.cli.common import JsonOption
from ccm.cli.fleet import (
    AllOption,
    Column,
    ConcurrencyOption,
    CustomersOption,
    IdentityCenterRateOption,
    SesRateOption,
    chosen,
    customer_clients,
    run_for_customers,
)
from ccm.cli.operator_records import Audited
from ccm.config import AppConfig, CustomerMapping
from ccm.fleet import Outcome

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Rate = Literal["ses", "identity-center"]


@dataclass(frozen=True)
class FleetOptions:
    """``--customer``/``--all``, ``--max-concurrency``, the rate limits and ``--json`` as one value."""

    codes: tuple[str, ...]
    every: bool
    max_concurrency: int
    as_json: bool
    ses_rps: float = SES_REQUESTS_PER_SECOND
    ic_rps: float | None = None

    def customers(self, config: AppConfig) -> list[CustomerMapping]:
        """The chosen customers: the ``--customer`` codes or ``--all``, exactly one of the two."""
        return chosen(config, list(self.codes), self.every)

    def clients(self, ic_rps: float | None = None) -> CustomerClients:
        """Clients in each customer's accounts, at the chosen rates (``ic_rps`` overrides ``--ic-rps``)."""
        return customer_clients(self.ses_rps, self.ic_rps if ic_rps is None else ic_rps)

    def run(
        self,
        title: str,
        config: AppConfig,
        work: Callable[[CustomerMapping], T],
        *,
        columns: Sequence[Column[T]],
        document: Callable[[T], dict[str, Any]],
        problem: Callable[[T], str | None] | None = None,
        extra: dict[str, Any] | None = None,
        report: bool = True,
        audited: Audited[T] | None = None,
    ) -> list[Outcome[T]]:
        """``work`` for every chosen customer, with the summary and exit code of :func:`run_for_customers`."""
        return run_for_customers(
            title,
            self.customers(config),
            work,
            max_concurrency=self.max_concurrency,
            as_json=self.as_json,
            columns=columns,
            document=document,
            problem=problem,
            extra=extra,
            report=report,
            audited=audited,
        )


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


RATE_OPTIONS: dict[Rate, inspect.Parameter] = {
    "ses": _option("ses_rps", float, SesRateOption),
    "identity-center": _option("ic_rps", float | None, IdentityCenterRateOption),
}
COMMON = ("customers", "every", "max_concurrency", "ses_rps", "ic_rps", "as_json")


def fleet_command(
    *, rates: Sequence[Rate] = (), last: Sequence[str] = ()
) -> Callable[[Callable[P, R]], Callable[..., R]]:
    """Replace the command's ``fleet`` parameter by the per-customer options (see the module's docstring)."""

    def decorate(command: Callable[P, R]) -> Callable[..., R]:
        hints = get_type_hints(command)
        own = [
            parameter.replace(annotation=hints.get(parameter.name, parameter.annotation))
            for parameter in inspect.signature(command).parameters.values()
        ]
        at = next(i for i, parameter in enumerate(own) if parameter.name == "fleet")
        before, after = own[:at], own[at + 1 :]
        tail = [parameter for parameter in after if parameter.name in last]
        middle = [parameter for parameter in after if parameter.name not in last]
        parameters = [
            *before,
            _option("customers", list[str] | None, CustomersOption),
            _option("every", bool, AllOption),
            *middle,
            _option("max_concurrency", int, ConcurrencyOption),
            *(RATE_OPTIONS[rate] for rate in rates),
            *tail,
            _option("as_json", bool, JsonOption),
        ]

        @functools.wraps(command)
        def run(**options: Any) -> R:
            fleet = FleetOptions(
                codes=tuple(options.pop("customers", None) or ()),
                every=options.pop("every"),
                max_concurrency=options.pop("max_concurrency"),
                as_json=options.pop("as_json"),
                ses_rps=options.pop("ses_rps", SES_REQUESTS_PER_SECOND),
                ic_rps=options.pop("ic_rps", None),
            )
            return command(fleet=fleet, **options)  # type: ignore[call-arg, arg-type]

        signature = inspect.Signature(
            [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in parameters],
            return_annotation=hints.get("return", inspect.Signature.empty),
        )
        run.__signature__ = signature  # type: ignore[attr-defined]
        run.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
        del run.__wrapped__  # Typer must read the signature above, not the command's own
        return run

    return decorate
