"""``ccm --help`` and every command's help, as a terminal shows them: a flag never reads as if it took a value."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from ccm.cli.main import app

TYPE_LABEL = re.compile(r"<[a-z_\[\]|, ]+>")
"""How typer's rich help labels the value an option takes (``<str>``, ``<int>``, ``<path>``)."""


def command_paths(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        if not getattr(sub, "hidden", False):
            yield from command_paths(sub, (*path, name))


ALL_COMMANDS = list(command_paths(typer.main.get_command(app)))


def flags_of(path: tuple[str, ...]) -> list[str]:
    """The long names of the command's options that take no value (``--dry-run``, ``--help``)."""
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    context = command.make_context(" ".join(("ccm", *path)), ["--help"], resilient_parsing=True)
    return [
        option
        for param in command.get_params(context)
        if getattr(param, "is_flag", False) and not getattr(param, "hidden", False)
        for option in [*param.opts, *param.secondary_opts]
        if option.startswith("--")
    ]


def rendered_help(path: tuple[str, ...]) -> str:
    result = CliRunner(env={"COLUMNS": "200", "TERM": "dumb"}).invoke(app, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_reached_by_the_walk_and_options_with_a_value_show_its_type() -> None:
    assert len(ALL_COMMANDS) > 40 and ("ses", "create-ics-invite") in ALL_COMMANDS
    rows = option_rows(rendered_help(("ses", "create-ics-invite")))
    assert TYPE_LABEL.match(rows["--object-id"]), "an option that takes a value says what it takes"


def option_rows(output: str) -> dict[str, str]:
    """What follows each option's names in the help's option panels (its type, then its help), by long name."""
    rows: dict[str, str] = {}
    for line in output.splitlines():
        tokens = line.strip("│ ").split()
        if not line.startswith("│") or not tokens or not tokens[0].startswith("-"):
            continue
        names = list(itertools.takewhile(lambda token: token.startswith("-"), tokens))
        rest = " ".join(tokens[len(names) :])
        for name in names:
            if name.startswith("--"):
                rows.setdefault(name, rest)
    return rows


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda path: " ".join(("ccm", *path)))
def test_no_flag_reads_as_if_it_took_a_value(path: tuple[str, ...]) -> None:
    output = rendered_help(path)
    rows = option_rows(output)

    assert "<bool>" not in output
    for flag in flags_of(path):
        assert flag in rows, f"{flag} is missing from:\n{output}"
        assert not TYPE_LABEL.match(rows[flag]), f"{flag} reads as taking a value: {flag} {rows[flag]}"
