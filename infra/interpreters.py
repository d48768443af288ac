"""The Python versions the system runs on, in one place.

- ``LAMBDA``: every function's runtime (``Globals`` of infra/template.yaml). ``make package`` builds the wheels for
  it and compiles the byte code with it (``LAMBDA_PYTHON``).
- ``IMAGE``: the import task's image (the Dockerfile's ``PYTHON_VERSION``; ``make deploy-image`` passes it). It runs
  the command line, which the test suite runs on ``DEVELOPMENT``: the two are kept equal.
- ``DEVELOPMENT``: the virtual environment, CI and the floor of pyproject.toml's ``requires-python``.

tests/deployment/test_interpreters.py checks the template, the Dockerfile and pyproject.toml against these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PythonVersion:
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def lambda_runtime(self) -> str:
        return f"python{self}"

    @property
    def command(self) -> str:
        return f"python{self}"

    @classmethod
    def parse(cls, text: str) -> PythonVersion:
        major, minor = text.strip().removeprefix("python").split(".")[:2]
        return cls(int(major), int(minor))


LAMBDA = PythonVersion(3, 12)
IMAGE = PythonVersion(3, 11)
DEVELOPMENT = PythonVersion(3, 11)
