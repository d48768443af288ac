"""Build one Lambda zip per function, for the architecture and Python that run it in AWS.

Each zip holds the function's directory under ``functions/`` (so handler paths read as in the repository),
the modules of ``ccm`` its handler can import (:mod:`infra.closure`; an explicit file list for the 1 MB
gatekeeper), the wheels of its dependencies for the target platform (``pip --platform manylinux_2_28_<arch>
--only-binary=:all:``), the configuration files it reads at start and, for the edge functions, the baked
``edge_config.json``.

Byte code is compiled by the runtime's own Python version (``LAMBDA_PYTHON``, found on PATH or under pyenv when
unset), hash-based and unchecked: ``/var/task`` is read-only, so without it every cold start compiles every
module it imports. Without that interpreter the packages ship source only, and ``make package`` says so.

Dependencies are pinned to the versions installed in the project's environment, the ones the tests ran
against. Downloaded wheels are kept in a cache keyed by what was asked, so a rebuild is offline and fast.

Usage: ``python -m infra.package --edge-config path/to/edge_config.json [--only api,backend]``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ccm.edge.packaging import GATEKEEPER_MODULES
from infra.closure import SourceTree
from infra.interpreters import LAMBDA

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = PROJECT / "infra" / "build" / "packages"
DEFAULT_WHEEL_CACHE = PROJECT / ".venv" / "lambda-wheels"

LAMBDA_PYTHON = str(LAMBDA)
TASK_ROOT = "/var/task"
MB = 1024 * 1024
LAMBDA_MAX_ZIPPED = 50 * MB
LAMBDA_MAX_UNZIPPED = 250 * MB
VIEWER_REQUEST_MAX_ZIPPED = 1 * MB
"""Lambda@Edge: a viewer-request function's whole package, compressed."""

EDGE_CONFIG_NAME = "edge_config.json"

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
"""The SDK every Lambda Python runtime carries; shipped again only by functions that need a newer one."""

CLI_ONLY = frozenset({"typer", "rich"})
"""Runtime dependencies of ccm that only the command line uses."""


class Architecture(StrEnum):
    ARM64 = "arm64"
    X86_64 = "x86_64"

    @property
    def platform_tag(self) -> str:
        return {Architecture.ARM64: "manylinux_2_28_aarch64", Architecture.X86_64: "manylinux_2_28_x86_64"}[self]


class PackagingError(Exception):
    """A package cannot be built; the message says what is missing or too big."""


GATEKEEPER_CCM_FILES: tuple[str, ...] = tuple(module.removeprefix("ccm/") for module in GATEKEEPER_MODULES)
"""The only parts of ``src/ccm`` the viewer-request gatekeeper ships: standard library only, under 1 MB.

The list itself lives beside the gatekeeper, in ``ccm.edge.packaging.GATEKEEPER_MODULES``.
"""


def _project_dependencies() -> list[Requirement]:
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(line) for line in pyproject["project"]["dependencies"]]


def _project_extra(name: str) -> list[Requirement]:
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(line) for line in pyproject["project"]["optional-dependencies"][name]]


def _named(requirements: Iterable[Requirement], name: str) -> Requirement:
    wanted = canonicalize_name(name)
    for requirement in requirements:
        if canonicalize_name(requirement.name) == wanted:
            return requirement
    raise PackagingError(f"pyproject.toml does not list {name}")


def _with_extra(requirement: Requirement, extra: str) -> str:
    copy = Requirement(str(requirement))
    copy.extras = {*copy.extras, extra}
    return str(copy)


def regional_requirements() -> tuple[str, ...]:
    """ccm's runtime dependencies without the command-line ones, with Powertools' tracer."""
    result = []
    for requirement in _project_dependencies():
        if canonicalize_name(requirement.name) in CLI_ONLY:
            continue
        if canonicalize_name(requirement.name) == "aws-lambda-powertools":
            result.append(_with_extra(requirement, "tracer"))
        else:
            result.append(str(requirement))
    return tuple(result)


def saml_requirements() -> tuple[str, ...]:
    """python3-saml (with lxml and xmlsec wheels), Powertools, pydantic and jinja2 (the sign-in pages); boto3
    comes from the runtime."""
    shared = [str(_named(_project_dependencies(), name)) for name in ("aws-lambda-powertools", "pydantic", "jinja2")]
    return (*(str(r) for r in _project_extra("saml")), *shared)


@dataclass(frozen=True)
class FunctionPackage:
    name: str
    handler: str
    architecture: Architecture
    requirements: tuple[str, ...]
    ccm_files: tuple[str, ...] | None
    """None ships what the handler can import (and the data files that go with it)."""
    project_files: tuple[str, ...] = ()
    bundles_sdk: bool = False
    """True when the function relies on a newer boto3 than the runtime's (S3 conditional writes)."""
    needs_edge_config: bool = False
    probe_imports: tuple[str, ...] = ()
    """Modules imported after the handler to prove the compiled wheels load on the target."""
    max_zipped: int = LAMBDA_MAX_ZIPPED
    max_unzipped: int = LAMBDA_MAX_UNZIPPED

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def handler_file(self) -> Path:
        return Path(*self.module.split(".")).with_suffix(".py")

    @property
    def function_dir(self) -> Path:
        return self.handler_file.parent

    @property
    def zip_name(self) -> str:
        return f"{self.name}.zip"


def packages() -> dict[str, FunctionPackage]:
    """The functions, keyed by the package name the template's ``CodeUri`` uses."""
    regional = regional_requirements()
    config_files = ("config.json", "SESConfig.json")
    compiled_regional = ("pydantic_core", "markupsafe", "cryptography.hazmat.bindings._rust", "boto3")
    return {
        "api": FunctionPackage(
            "api",
            "functions.api.app.handler",
            Architecture.ARM64,
            regional,
            None,
            config_files,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "backend": FunctionPackage(
            "backend",
            "functions.backend.app.handler",
            Architecture.ARM64,
            regional,
            None,
            config_files,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "audit": FunctionPackage(
            "audit",
            "functions.audit.app.handler",
            Architecture.ARM64,
            regional,
            None,
            config_files,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "clock": FunctionPackage(
            "clock",
            "functions.clock.app.handler",
            Architecture.ARM64,
            regional,
            None,
            config_files,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "ses-events": FunctionPackage(
            "ses-events",
            "functions.ses_events.app.handler",
            Architecture.ARM64,
            regional,
            None,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "router": FunctionPackage(
            "router",
            "functions.router.app.handler",
            Architecture.ARM64,
            regional,
            None,
            config_files,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "live": FunctionPackage(
            "live",
            "functions.live.app.handler",
            Architecture.ARM64,
            regional,
            None,
            bundles_sdk=True,
            probe_imports=compiled_regional,
        ),
        "edge-viewer-request": FunctionPackage(
            "edge-viewer-request",
            "functions.edge_auth.app.viewer_request",
            Architecture.X86_64,
            (),
            GATEKEEPER_CCM_FILES,
            needs_edge_config=True,
            max_zipped=VIEWER_REQUEST_MAX_ZIPPED,
        ),
        "edge-saml": FunctionPackage(
            "edge-saml",
            "functions.edge_auth.app.saml_handler",
            Architecture.X86_64,
            saml_requirements(),
            None,
            needs_edge_config=True,
            # What the first request imports (functions/edge_auth/app.py _build_saml_entry), not only the module.
            probe_imports=(
                "lxml.etree",
                "xmlsec",
                "onelogin.saml2.auth",
                "boto3",
                "ccm.edge.signin",
                "ccm.edge.replay",
            ),
        ),
    }


@dataclass(frozen=True)
class Target:
    """What the wheels are for: Lambda's Python on the function's architecture, or an override for tests.

    ``compiler`` is the interpreter that compiles the byte code; None looks for one of ``python_version``.
    """

    python_version: str = LAMBDA_PYTHON
    platform_tag: str | None = None
    compiler: str | None = None

    def platform_for(self, package: FunctionPackage) -> str:
        return self.platform_tag or package.architecture.platform_tag

    def byte_code_compiler(self) -> Compiler:
        return find_compiler(self.python_version, self.compiler or os.environ.get("LAMBDA_PYTHON") or None)


# -- byte code ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiler:
    """The interpreter that compiles byte code, or why there is none (then ``warning`` says what to do)."""

    python: str | None
    warning: str | None = None


def python_version_of(command: str) -> str | None:
    try:
        completed = subprocess.run(
            [command, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _pyenv_pythons(version: str) -> list[str]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    return [str(path) for path in sorted(root.glob(f"{version}.*/bin/python{version}"))]


def find_compiler(version: str, configured: str | None = None) -> Compiler:
    """``configured`` (LAMBDA_PYTHON) if it is Python ``version``; else python<version> on PATH or under pyenv."""
    fix = f"install Python {version} or name one: LAMBDA_PYTHON=/path/to/python{version} make package"
    if configured:
        found = python_version_of(configured)
        if found == version:
            return Compiler(configured)
        what = f"is Python {found}" if found else "does not run"
        return Compiler(
            None,
            f"no byte code in the packages: LAMBDA_PYTHON={configured} {what}, not Lambda's {version}, so every cold "
            f"start compiles the modules it imports; {fix}",
        )
    for candidate in [shutil.which(f"python{version}"), *_pyenv_pythons(version)]:
        if candidate and python_version_of(candidate) == version:
            return Compiler(candidate)
    return Compiler(
        None,
        f"no byte code in the packages: no python{version} (Lambda's Python) was found, so every cold start compiles "
        f"the modules it imports; {fix}",
    )


def compile_byte_code(root: Path, python: str) -> None:
    """``.pyc`` next to every module, keyed to the source's hash and never checked against it (the files cannot
    change under ``/var/task``), with the paths Lambda will show in tracebacks."""
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    completed = subprocess.run(
        [*command, "-s", str(root), "-p", TASK_ROOT, str(root)], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        detail = (completed.stdout + completed.stderr).strip().splitlines()[-12:]
        raise PackagingError(f"{python} could not compile the package:\n" + "\n".join(detail))


@dataclass(frozen=True)
class BuiltPackage:
    package: FunctionPackage
    path: Path
    platform_tag: str
    python_version: str
    zipped: int
    unzipped: int
    byte_code: str | None = None
    """The interpreter that compiled the byte code; None when the package ships source only."""

    def describe(self) -> str:
        return (
            f"{self.package.name:<20} {self.package.architecture.value:<7} {self.platform_tag:<23} "
            f"{_size(self.zipped)} zipped (limit {_size(self.package.max_zipped)})  "
            f"{_size(self.unzipped)} unzipped (limit {_size(self.package.max_unzipped)})  "
            + (f"byte code of Python {self.python_version}" if self.byte_code else "source only")
        )


def _size(count: int) -> str:
    return f"{count / MB:7.2f} MB" if count >= MB else f"{count / 1024:7.1f} KB"


# -- wheels ------------------------------------------------------------------------------------------------

_MANYLINUX = re.compile(r"^manylinux_2_(\d+)_(\w+)$")
_OLDEST_MANYLINUX = 17


def compatible_platform_tags(platform_tag: str) -> list[str]:
    """``manylinux_2_28_aarch64`` and every older glibc tag a Lambda runtime also runs (down to manylinux2014).

    Given ``--platform``, pip takes that exact tag only; most wheels on PyPI are tagged manylinux_2_17.
    """
    match = _MANYLINUX.match(platform_tag)
    if not match:
        return [platform_tag]
    newest, arch = int(match.group(1)), match.group(2)
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(newest, _OLDEST_MANYLINUX - 1, -1)]
    return [*tags, f"manylinux2014_{arch}"]


def tested_versions() -> str:
    """Constraints pinning every distribution of this environment, so Lambda runs what the tests ran."""
    pins = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name and canonicalize_name(name) != "ccm":
            pins[canonicalize_name(name)] = f"{canonicalize_name(name)}=={distribution.version}"
    return "\n".join(pins[name] for name in sorted(pins)) + "\n"


def _wheel_cache_root() -> Path:
    return Path(os.environ.get("CCM_WHEEL_CACHE") or DEFAULT_WHEEL_CACHE)


@dataclass
class WheelCache:
    root: Path = field(default_factory=_wheel_cache_root)
    constraints: str = field(default_factory=tested_versions)
    keep: int = 8

    def _pip(self, arguments: Sequence[str], what: str) -> None:
        command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *arguments]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()[-12:]
            raise PackagingError(f"pip could not {what}:\n" + "\n".join(detail))

    @staticmethod
    def _platform_arguments(platform_tag: str, python_version: str) -> list[str]:
        platforms = [argument for tag in compatible_platform_tags(platform_tag) for argument in ("--platform", tag)]
        return [
            *platforms,
            "--python-version",
            python_version,
            "--implementation",
            "cp",
            "--only-binary=:all:",
        ]

    def wheels(self, requirements: Sequence[str], platform_tag: str, python_version: str) -> Path:
        """A directory holding every wheel ``requirements`` need there; downloaded once, then reused."""
        key = hashlib.sha256(
            json.dumps([sorted(requirements), self.constraints, platform_tag, python_version]).encode()
        ).hexdigest()[:16]
        directory = self.root / f"{platform_tag}-py{python_version}-{key}"
        if (directory / ".complete").exists():
            os.utime(directory)
            return directory
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root) as scratch:
            download = Path(scratch) / "wheels"
            constraints = Path(scratch) / "constraints.txt"
            constraints.write_text(self.constraints, encoding="utf-8")
            self._pip(
                [
                    "download",
                    "--dest",
                    str(download),
                    *self._platform_arguments(platform_tag, python_version),
                    "--constraint",
                    str(constraints),
                    *requirements,
                ],
                f"download wheels for {platform_tag}, Python {python_version}",
            )
            shutil.copy(constraints, download / "constraints.txt")
            (download / ".complete").touch()
            if directory.exists():
                shutil.rmtree(directory)
            download.rename(directory)
        self.prune()
        return directory

    def prune(self) -> None:
        # Every change of a pinned version makes a new entry; the least recently used ones go.
        entries = sorted(
            (p for p in self.root.iterdir() if (p / ".complete").exists()), key=lambda p: p.stat().st_mtime
        )
        for stale in entries[: -self.keep]:
            shutil.rmtree(stale, ignore_errors=True)

    def install(self, requirements: Sequence[str], platform_tag: str, python_version: str, target: Path) -> None:
        """Install into ``target`` (a copy of an installation made once per set of wheels)."""
        if not requirements:
            return
        wheels = self.wheels(requirements, platform_tag, python_version)
        installed = wheels / "installed"
        if not (wheels / ".installed").exists():
            shutil.rmtree(installed, ignore_errors=True)
            self._pip(
                [
                    "install",
                    "--no-index",
                    "--find-links",
                    str(wheels),
                    "--target",
                    str(installed),
                    "--no-compile",
                    *self._platform_arguments(platform_tag, python_version),
                    "--constraint",
                    str(wheels / "constraints.txt"),
                    *requirements,
                ],
                f"install {', '.join(requirements)} for {platform_tag}",
            )
            (wheels / ".installed").touch()
        shutil.copytree(installed, target, dirs_exist_ok=True)


# -- assembling ---------------------------------------------------------------------------------------------


def _ignored(directory: str, names: list[str]) -> set[str]:
    return {name for name in names if name in {"__pycache__", "tests", EDGE_CONFIG_NAME} or name.endswith(".pyc")}


def _copy(source: Path, destination: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, destination, ignore=_ignored, dirs_exist_ok=True)
    else:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def source_tree(project: Path) -> SourceTree:
    return SourceTree({"ccm": project / "src" / "ccm", "functions": project / "functions"})


def _copy_ccm(package: FunctionPackage, project: Path, root: Path) -> None:
    source = project / "src" / "ccm"
    if package.ccm_files is None:
        tree = source_tree(project)
        modules = tree.closure(package.module)
        for path in sorted(tree.files(modules) | tree.data_files("ccm", modules)):
            if path.is_relative_to(source):
                _copy(path, root / "ccm" / path.relative_to(source))
        return
    for entry in package.ccm_files:
        path = source / entry
        if not path.exists():
            raise PackagingError(
                f"the {package.name} package lists src/ccm/{entry}, which does not exist "
                "(see GATEKEEPER_CCM_FILES in infra/package.py, from ccm.edge.packaging.GATEKEEPER_MODULES)"
            )
        _copy(path, root / "ccm" / entry.rstrip("/"))


def _drop(root: Path, names: Iterable[str]) -> None:
    for name in names:
        for path in [root / name, *root.glob(f"{name}-*.dist-info")]:
            if path.is_dir():
                shutil.rmtree(path)


def _tidy(root: Path) -> None:
    # Console scripts point at the build machine's interpreter; byte code is compiled afterwards, by Lambda's.
    shutil.rmtree(root / "bin", ignore_errors=True)
    for cache in sorted(root.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)


def read_edge_config(path: Path | None, package: FunctionPackage) -> bytes:
    if path is None:
        raise PackagingError(
            f"the {package.name} package needs the edge configuration: build it with `ccm edge-config build`, "
            "then run `EDGE_CONFIG=path/to/edge_config.json make package` "
            "(or `PACKAGES=api,backend make package` for the regional functions only)"
        )
    if not path.is_file():
        raise PackagingError(f"edge configuration {path} not found (EDGE_CONFIG)")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackagingError(f"edge configuration {path} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PackagingError(f"edge configuration {path} must hold a JSON object")
    return path.read_bytes()


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


def write_zip(root: Path, destination: Path) -> int:
    """A reproducible zip (sorted names, fixed times and modes): the same content gives the same bytes,
    so an unchanged edge function does not publish a new version. Returns the unzipped size."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    unzipped = 0
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in _files(root):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            archive.writestr(info, data)
    return unzipped


def build(
    package: FunctionPackage,
    output: Path,
    *,
    project: Path = PROJECT,
    edge_config: Path | None = None,
    target: Target = Target(),
    cache: WheelCache | None = None,
) -> BuiltPackage:
    handler = project / package.handler_file
    if not handler.is_file():
        raise PackagingError(f"{package.handler_file} not found: the {package.name} package needs its handler")
    edge_config_bytes = read_edge_config(edge_config, package) if package.needs_edge_config else None
    platform_tag = target.platform_for(package)
    compiler = target.byte_code_compiler()
    with tempfile.TemporaryDirectory(prefix=f"ccm-{package.name}-") as scratch:
        root = Path(scratch)
        (cache or WheelCache()).install(package.requirements, platform_tag, target.python_version, root)
        if not package.bundles_sdk:
            _drop(root, RUNTIME_PROVIDED)
        _tidy(root)
        _copy_ccm(package, project, root)
        if (project / "functions" / "__init__.py").is_file():
            _copy(project / "functions" / "__init__.py", root / "functions" / "__init__.py")
        _copy(project / package.function_dir, root / package.function_dir)
        for name in package.project_files:
            _copy(project / name, root / name)
        if edge_config_bytes is not None:
            (root / package.function_dir / EDGE_CONFIG_NAME).write_bytes(edge_config_bytes)
        if compiler.python is not None:
            compile_byte_code(root, compiler.python)
        path = output / package.zip_name
        unzipped = write_zip(root, path)
    built = BuiltPackage(
        package, path, platform_tag, target.python_version, path.stat().st_size, unzipped, compiler.python
    )
    if built.zipped > package.max_zipped or built.unzipped > package.max_unzipped:
        raise PackagingError(f"too big for Lambda: {built.describe()}")
    return built


# -- checking ---------------------------------------------------------------------------------------------

_IMPORT_HANDLER = """
import importlib, json, sys
sys.path[:0] = json.loads(sys.argv[1])
module = importlib.import_module(sys.argv[2])
handler = getattr(module, sys.argv[3])
assert callable(handler), f"{sys.argv[2]}.{sys.argv[3]} is not callable"
for probe in json.loads(sys.argv[4]):
    importlib.import_module(probe)
print(json.dumps({"module": module.__file__, "boto3": getattr(sys.modules.get("boto3"), "__file__", None)}))
"""


@dataclass(frozen=True)
class ImportCheck:
    module_file: str
    boto3_file: str | None


def check_import(
    built: BuiltPackage,
    python: str,
    *,
    environment: Mapping[str, str],
    runtime_sdk: Path | None = None,
) -> ImportCheck:
    """Import the handler from the unpacked zip in a clean interpreter (``-I -S``: no site-packages, no user
    environment), as Lambda would: only the zip, the standard library and, where the runtime provides it, boto3.
    """
    with tempfile.TemporaryDirectory(prefix=f"ccm-task-{built.package.name}-") as task_root:
        with zipfile.ZipFile(built.path) as archive:
            archive.extractall(task_root)
        path = [task_root] if built.package.bundles_sdk or runtime_sdk is None else [task_root, str(runtime_sdk)]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LAMBDA_TASK_ROOT": task_root,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": built.package.name,
            **environment,
        }
        package = built.package
        arguments = [json.dumps(path), package.module, package.function, json.dumps(package.probe_imports)]
        completed = subprocess.run(
            [python, "-I", "-S", "-c", _IMPORT_HANDLER, *arguments],
            capture_output=True,
            text=True,
            cwd=task_root,
            env=env,
            check=False,
        )
        if completed.returncode != 0:
            raise PackagingError(
                f"{built.package.name}: {built.package.handler} does not import from its package:\n"
                + completed.stderr.strip()
            )
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        return ImportCheck(result["module"], result["boto3"])


def runtime_sdk(platform_tag: str, python_version: str, destination: Path, cache: WheelCache | None = None) -> Path:
    """boto3 installed for the target, standing in for the copy every Lambda Python runtime carries."""
    (cache or WheelCache()).install(["boto3"], platform_tag, python_version, destination)
    return destination


# -- command line -------------------------------------------------------------------------------------------


def _selected(only: str | None) -> list[FunctionPackage]:
    available = packages()
    if not only:
        return list(available.values())
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise PackagingError(f"unknown package {', '.join(unknown)}; choose from {', '.join(available)}")
    return [available[name] for name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__.splitlines()[0])
    parser.add_argument("--edge-config", default="", help="the edge_config.json to bake into the edge packages")
    parser.add_argument("--only", help="comma-separated packages to build (default: all)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--python-version", default=LAMBDA_PYTHON, help="Python the wheels are for")
    parser.add_argument("--platform", help="one wheel platform tag for every package (default: per function)")
    args = parser.parse_args(argv)
    edge_config = Path(args.edge_config) if args.edge_config else None
    try:
        selected = _selected(args.only)
        for package in selected:
            if package.needs_edge_config:
                read_edge_config(edge_config, package)
        target = Target(args.python_version, args.platform)
        compiler = target.byte_code_compiler()
        if compiler.warning:
            print(f"warning: {compiler.warning}", file=sys.stderr, flush=True)
        cache = WheelCache()
        for package in selected:
            built = build(package, args.output, edge_config=edge_config, target=target, cache=cache)
            print(built.describe(), flush=True)
    except PackagingError as error:
        print(f"cannot package: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
