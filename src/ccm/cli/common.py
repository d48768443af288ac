"""What every command shares: settings, output in human or JSON form, and errors as sentences."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from ccm.errors import CcmError
from ccm.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def cli_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a command expects into one sentence on stderr and exit code 1, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except CcmError as error:
            raise fail(str(error)) from None
        except ClientError as error:
            details = error.response.get("Error", {})
            raise fail(f"AWS refused {error.operation_name}: {details.get('Code')}: {details.get('Message')}") from None
        except BotoCoreError as error:
            raise fail(f"AWS call failed: {error}") from None

    return wrapper


def settings() -> Settings:
    return Settings.from_env()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    result = Table(title=title, show_lines=False)
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*("" if cell is None else str(cell) for cell in row))
    return result
