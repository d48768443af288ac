"""The Python versions of infra/interpreters.py are the ones the template, the Dockerfile and pyproject.toml use."""

from __future__ import annotations

import re
import sys
import tomllib

from infra.interpreters import DEVELOPMENT, IMAGE, LAMBDA, PythonVersion
from infra.package import Target
from tests.conftest import ROOT
from tests.deployment.conftest import Template, resources_of_type


def test_every_function_runs_the_lambda_runtime(source_template: Template, translated: Template) -> None:
    assert source_template["Globals"]["Function"]["Runtime"] == LAMBDA.lambda_runtime
    functions = resources_of_type(translated, "AWS::Lambda::Function").values()
    assert {function["Properties"]["Runtime"] for function in functions} == {LAMBDA.lambda_runtime}


def test_packages_are_built_for_the_lambda_runtime() -> None:
    assert Target().python_version == str(LAMBDA)


def test_the_image_runs_the_python_the_command_line_is_tested_on() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    [default] = re.findall(r"^ARG PYTHON_VERSION=(\S+)$", dockerfile, flags=re.MULTILINE)
    froms = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)

    assert PythonVersion.parse(default) == IMAGE == DEVELOPMENT
    assert froms and all(image == "python:${PYTHON_VERSION}-slim" for image in froms)


def test_the_project_declares_the_development_python_and_this_one_is_supported() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    assert pyproject["project"]["requires-python"] == f">={DEVELOPMENT}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{DEVELOPMENT.major}{DEVELOPMENT.minor}"
    assert pyproject["tool"]["mypy"]["python_version"] == str(DEVELOPMENT)
    assert PythonVersion(*sys.version_info[:2]) >= DEVELOPMENT
    assert LAMBDA >= DEVELOPMENT
