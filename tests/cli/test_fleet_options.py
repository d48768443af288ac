"""Every per-customer command offers the same options, in the same places, from one definition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from typer.main import get_command

from ccm.cli.main import app


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_every_fleet_command_takes_customer_or_all_then_its_own_then_concurrency_and_json_last() -> None:
    fleet = {name: [p.name for p in command.params] for name, command in commands(get_command(app))}
    fleet = {name: params for name, params in fleet.items() if "every" in params}

    # 35 commands, and `ses topics manage`, the original name of `ses topics update` (`s3-events configure` sets
    # the bucket's one router notification: it names no customer)
    assert len(fleet) == 36
    for name, params in fleet.items():
        assert params[params.index("customers") + 1] == "every", name
        assert params[-1] == "as_json", name
        assert params.index("max_concurrency") > params.index("every"), name


def test_the_options_read_the_same_everywhere() -> None:
    seen: dict[str, set[tuple[Any, ...]]] = {}
    for _, command in commands(get_command(app)):
        for param in command.params:
            if param.name in {"customers", "every", "max_concurrency", "ses_rps", "ic_rps", "as_json"}:
                seen.setdefault(param.name, set()).add((tuple(param.opts), param.help, param.default))

    assert {name: len(variants) for name, variants in seen.items()} == dict.fromkeys(seen, 1)
