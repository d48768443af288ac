"""Reading a JSON configuration file, with failures as a ``ConfigError`` sentence. Standard library only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccm.errors import ConfigError


def read_json(
    path: Path, missing_hint: str = "", object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None
) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found{missing_hint}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        return json.loads(text, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{path.name}: line {error.lineno} column {error.colno}: not valid JSON: {error.msg}"
        ) from None
