"""The ECS task's image, checked for shape since no container runtime is available to build it here."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from ccm import __version__
from ccm.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage's Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    everything = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(everything) if keyword == "FROM")
    return everything[last_from:]


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list), f"{arguments} should be the exec (JSON) form"
    return [str(item) for item in value]


def only(keyword: str) -> str:
    (value,) = [rest for kw, rest in final_stage() if kw == keyword]
    return value


def test_the_entry_point_is_the_packages_console_script() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert exec_form(only("ENTRYPOINT")) == ["ccm"]
    assert scripts["ccm"] == "ccm.cli.main:app"
    assert any(kw == "RUN" and "pip install" in rest and rest.rstrip().endswith(" .") for kw, rest in instructions())


def test_the_default_command_is_the_scheduled_import_and_it_exists() -> None:
    command = exec_form(only("CMD"))
    assert command == ["identity-center", "import", "--all"]
    result = CliRunner().invoke(app, [*command[:-1], "--help"])
    assert result.exit_code == 0 and "--all" in result.output


def test_the_health_check_runs_a_real_command_that_succeeds_offline() -> None:
    healthcheck = only("HEALTHCHECK")
    _, _, command = healthcheck.partition("CMD ")
    argv = exec_form(command)
    assert argv[0] == "ccm"
    result = CliRunner().invoke(app, argv[1:])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_the_task_does_not_run_as_root() -> None:
    user = only("USER").split(":")[0]
    assert user not in {"root", "0", ""}
    keywords = [kw for kw, _ in final_stage()]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")


def test_every_copied_file_exists_in_the_repository() -> None:
    copies = [rest for kw, rest in instructions() if kw == "COPY" and not rest.startswith("--from")]
    for arguments in copies:
        *sources, _ = shlex.split(arguments)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_the_configuration_the_image_points_at_is_copied_into_it() -> None:
    environment = dict(
        pair.split("=", 1) for keyword, rest in final_stage() if keyword == "ENV" for pair in shlex.split(rest)
    )
    copied = [shlex.split(rest) for kw, rest in final_stage() if kw == "COPY" and not rest.startswith("--from")]
    destinations = {f"{dest.rstrip('/')}/{Path(src).name}" for *sources, dest in copied for src in sources}
    assert environment["CCM_CONFIG"] in destinations
    assert environment["CCM_SES_CONFIG"] in destinations
    assert environment["CCM_SUBSCRIPTION_CONFIG"] in destinations
