"""Packaging: one zip per function, within Lambda's limits, that imports its handler in a clean interpreter.

The wheels are built for this machine's architecture (Lambda's glibc tag) and, where this machine has it,
Lambda's Python, so that the zip can be imported here; ``make package`` builds the same packages for arm64
and x86_64. The packages are built from a temporary copy of this repository in which a handler that does not
exist yet (each is written in its own branch) is stood in for by a minimal one; the test ids say which.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from infra.interpreters import LAMBDA
from infra.package import (
    GATEKEEPER_CCM_FILES,
    LAMBDA_PYTHON,
    VIEWER_REQUEST_MAX_ZIPPED,
    BuiltPackage,
    ImportCheck,
    PackagingError,
    Target,
    WheelCache,
    build,
    check_import,
    compatible_platform_tags,
    find_compiler,
    main,
    packages,
    runtime_sdk,
    source_tree,
)
from tests.conftest import ROOT

HOST_PLATFORM = f"manylinux_2_28_{platform.machine()}"
EDGE_CONFIG = {
    "sp": {"entity_id": "https://portal.example.com/saml/metadata", "acs_url": "https://portal.example.com/saml/acs"},
    "cookie": {"keys": {"current": "test-only-key"}},
    "table": {"name": "ccm-test-table", "region": "us-east-1"},
}
CHECK_ENVIRONMENT = {
    "CCM_BUCKET": "ccm-test-bucket",
    "CCM_TABLE": "ccm-test-table",
    "POWERTOOLS_METRICS_NAMESPACE": "CCM",
    "POWERTOOLS_TRACE_DISABLED": "true",
}

STAND_INS = {
    "functions/api/app.py": """
from aws_lambda_powertools import Logger
from ccm.settings import Settings

logger = Logger(service="api")

def handler(event, context):
    return {"statusCode": 200, "body": Settings.from_env().bucket}
""",
    "functions/backend/app.py": """
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

processor = BatchProcessor(event_type=EventType.SQS)

def handler(event, context):
    return {"batchItemFailures": []}
""",
    "functions/edge_auth/app.py": """
import json
from pathlib import Path

from ccm.edge import session

def _config():
    return json.loads((Path(__file__).with_name("edge_config.json")).read_text())

def viewer_request(event, context):
    return event["Records"][0]["cf"]["request"]

def saml_handler(event, context):
    from onelogin.saml2.auth import OneLogin_Saml2_Auth
    return {"status": "200", "body": _config()["sp"]["entity_id"]}
""",
}
STAND_IN_MODULES = {
    # The gatekeeper's ccm modules come with its handler: stood in for only while the handler is.
    "functions/edge_auth/app.py": {
        "src/ccm/edge/session.py": '"""Signed session cookies (standard library only)."""\n',
        "src/ccm/edge/__init__.py": '"""Edge sign-in helpers (standard library only)."""\n',
    },
}


def lambda_like_python() -> tuple[str, str]:
    """An interpreter of Lambda's Python version if this machine has one, else this one's version."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [
        shutil.which(f"python{LAMBDA_PYTHON}"),
        *map(str, sorted(pyenv.glob(f"{LAMBDA_PYTHON}*/bin/python3"))),
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True)
        if probe.returncode == 0 and probe.stdout.decode().strip() == str(tuple(map(int, LAMBDA_PYTHON.split(".")))):
            return candidate, LAMBDA_PYTHON
    return sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}"


PYTHON, PYTHON_VERSION = lambda_like_python()
TARGET = Target(PYTHON_VERSION, HOST_PLATFORM, compiler=PYTHON)


@pytest.fixture(scope="session")
def cache() -> WheelCache:
    return WheelCache()


@pytest.fixture(scope="session")
def edge_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edge") / "edge_config.json"
    path.write_text(json.dumps(EDGE_CONFIG), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def runtime_boto3(tmp_path_factory: pytest.TempPathFactory, cache: WheelCache) -> Path:
    return runtime_sdk(HOST_PLATFORM, PYTHON_VERSION, tmp_path_factory.mktemp("runtime-sdk"), cache)


def missing_from_repository() -> list[str]:
    return [relative for relative in STAND_INS if not (ROOT / relative).exists()]


def stand_ins() -> dict[str, str]:
    """The files to write into the copy: each missing handler, with the modules that come with it."""
    files = {}
    for handler in missing_from_repository():
        files[handler] = STAND_INS[handler]
        files.update(STAND_IN_MODULES.get(handler, {}))
    return files


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository's sources, with minimal stand-ins for the handlers it does not have yet."""
    copy = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for directory in ("src", "functions"):
        if (ROOT / directory).is_dir():
            shutil.copytree(ROOT / directory, copy / directory, ignore=ignore)
    for name in ("pyproject.toml", "config.json", "SESConfig.json"):
        shutil.copy(ROOT / name, copy / name)
    for relative, text in stand_ins().items():
        path = copy / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.lstrip(), encoding="utf-8")
    return copy


@pytest.fixture(scope="session")
def built_packages(
    project: Path, edge_config: Path, cache: WheelCache, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, BuiltPackage]:
    output = tmp_path_factory.mktemp("packages")
    return {
        name: build(package, output, project=project, edge_config=edge_config, target=TARGET, cache=cache)
        for name, package in packages().items()
    }


@pytest.fixture(scope="session")
def import_checks(built_packages: dict[str, BuiltPackage], runtime_boto3: Path) -> dict[str, ImportCheck]:
    """Each package's handler imported from its zip in a clean interpreter."""
    return {
        name: check_import(package, PYTHON, environment=environment_of(package), runtime_sdk=runtime_boto3)
        for name, package in built_packages.items()
    }


def environment_of(built: BuiltPackage) -> dict[str, str]:
    """What the template gives the function: Lambda@Edge functions get no environment at all."""
    return {} if built.package.needs_edge_config else CHECK_ENVIRONMENT


def names_in(built: BuiltPackage) -> list[str]:
    with zipfile.ZipFile(built.path) as archive:
        return archive.namelist()


def top_level(built: BuiltPackage) -> set[str]:
    return {name.split("/", 1)[0] for name in names_in(built)}


def package_ids() -> Iterator[object]:
    missing = missing_from_repository()
    for name, package in packages().items():
        source = "stand-in handler" if package.handler_file.as_posix() in missing else "repository handler"
        yield pytest.param(name, id=f"{name} ({source})")


@pytest.mark.parametrize("name", list(package_ids()))
def test_each_package_fits_lambda_and_imports_its_handler_in_a_clean_interpreter(
    name: str, built_packages: dict[str, BuiltPackage], import_checks: dict[str, ImportCheck]
) -> None:
    package = built_packages[name]
    check = import_checks[name]

    assert package.zipped <= package.package.max_zipped and package.unzipped <= package.package.max_unzipped
    assert check.module_file.endswith(str(package.package.handler_file))
    assert package.package.handler_file.as_posix() in names_in(package)


def test_the_gatekeeper_ships_only_its_listed_ccm_modules_under_one_megabyte(
    built_packages: dict[str, BuiltPackage], project: Path
) -> None:
    built = built_packages["edge-viewer-request"]
    names = names_in(built)

    assert built.zipped < VIEWER_REQUEST_MAX_ZIPPED
    assert top_level(built) == {"ccm", "functions"}
    listed = {f"ccm/{entry}" for entry in GATEKEEPER_CCM_FILES}
    assert all(
        name in listed or any(name.startswith(d) for d in listed if d.endswith("/"))
        for name in names
        if name.startswith("ccm/") and name.endswith(".py")
    )
    assert "ccm/config.py" not in names


def test_the_edge_configuration_is_baked_next_to_the_edge_handlers(
    built_packages: dict[str, BuiltPackage], edge_config: Path
) -> None:
    for name in ("edge-viewer-request", "edge-saml"):
        with zipfile.ZipFile(built_packages[name].path) as archive:
            assert archive.read("functions/edge_auth/edge_config.json") == edge_config.read_bytes()
    assert "functions/edge_auth/edge_config.json" not in names_in(built_packages["api"])


def test_edge_packages_leave_boto3_to_the_runtime(
    built_packages: dict[str, BuiltPackage], import_checks: dict[str, ImportCheck], runtime_boto3: Path
) -> None:
    saml = built_packages["edge-saml"]
    check = import_checks["edge-saml"]

    assert not {"boto3", "botocore", "s3transfer"} & top_level(saml)
    assert {"onelogin", "lxml", "xmlsec"} <= {name.split(".")[0] for name in top_level(saml)}
    assert check.boto3_file is not None and check.boto3_file.startswith(str(runtime_boto3))


def test_regional_packages_bundle_their_sdk_and_configuration_files(
    built_packages: dict[str, BuiltPackage], import_checks: dict[str, ImportCheck], runtime_boto3: Path
) -> None:
    for name in ("api", "backend"):
        built = built_packages[name]
        check = import_checks[name]
        assert {"boto3", "botocore", "ccm", "functions", "config.json", "SESConfig.json"} <= top_level(built)
        assert check.boto3_file is not None and not check.boto3_file.startswith(str(runtime_boto3))
        assert not any(n.startswith("bin/") for n in names_in(built))


def test_a_handler_importing_what_its_package_lacks_fails_the_check(
    project: Path, edge_config: Path, cache: WheelCache, tmp_path: Path, runtime_boto3: Path
) -> None:
    broken = tmp_path / "project"
    shutil.copytree(project, broken)
    app = broken / "functions" / "edge_auth" / "app.py"
    app.write_text(app.read_text() + "\nfrom onelogin.saml2.auth import OneLogin_Saml2_Auth\n", encoding="utf-8")
    built = build(
        packages()["edge-viewer-request"],
        tmp_path,
        project=broken,
        edge_config=edge_config,
        target=TARGET,
        cache=cache,
    )

    with pytest.raises(PackagingError, match="viewer_request does not import from its package") as raised:
        check_import(built, PYTHON, environment={}, runtime_sdk=runtime_boto3)

    assert "onelogin" in str(raised.value)


def test_the_same_sources_give_the_same_zip(project: Path, edge_config: Path, tmp_path: Path) -> None:
    package = packages()["edge-viewer-request"]

    first = build(package, tmp_path / "one", project=project, edge_config=edge_config, target=TARGET)
    second = build(package, tmp_path / "two", project=project, edge_config=edge_config, target=TARGET)

    assert first.path.read_bytes() == second.path.read_bytes()


def test_a_package_over_its_limit_is_refused(project: Path, edge_config: Path, tmp_path: Path) -> None:
    tiny = replace(packages()["edge-viewer-request"], max_zipped=100)

    with pytest.raises(PackagingError, match="too big for Lambda"):
        build(tiny, tmp_path, project=project, edge_config=edge_config, target=TARGET)


def test_an_edge_package_without_its_configuration_says_how_to_build_it(project: Path, tmp_path: Path) -> None:
    gatekeeper = packages()["edge-viewer-request"]
    with pytest.raises(
        PackagingError, match=r"ccm edge-config build.*EDGE_CONFIG=path/to/edge_config.json make package"
    ):
        build(gatekeeper, tmp_path, project=project, edge_config=None, target=TARGET)
    with pytest.raises(PackagingError, match="not found"):
        build(gatekeeper, tmp_path, project=project, edge_config=tmp_path / "absent.json", target=TARGET)
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(PackagingError, match="not valid JSON"):
        build(gatekeeper, tmp_path, project=project, edge_config=broken, target=TARGET)


def test_a_missing_handler_or_gatekeeper_module_is_named(project: Path, edge_config: Path, tmp_path: Path) -> None:
    incomplete = tmp_path / "project"
    shutil.copytree(project, incomplete)
    shutil.rmtree(incomplete / "functions" / "api")
    shutil.rmtree(incomplete / "src" / "ccm" / "edge")

    with pytest.raises(PackagingError, match=r"functions/api/app.py not found"):
        build(packages()["api"], tmp_path, project=incomplete, target=TARGET)
    with pytest.raises(PackagingError, match=r"src/ccm/edge/__init__.py, which does not exist.*GATEKEEPER_CCM_FILES"):
        build(packages()["edge-viewer-request"], tmp_path, project=incomplete, edge_config=edge_config, target=TARGET)


def test_make_package_builds_each_function_for_its_lambda_architecture_and_python() -> None:
    target = Target()

    assert target.python_version == "3.12"
    assert {name: target.platform_for(p) for name, p in packages().items()} == {
        "api": "manylinux_2_28_aarch64",
        "backend": "manylinux_2_28_aarch64",
        "audit": "manylinux_2_28_aarch64",
        "clock": "manylinux_2_28_aarch64",
        "ses-events": "manylinux_2_28_aarch64",
        "router": "manylinux_2_28_aarch64",
        "live": "manylinux_2_28_aarch64",
        "edge-viewer-request": "manylinux_2_28_x86_64",
        "edge-saml": "manylinux_2_28_x86_64",
    }


def test_the_pinned_dependencies_have_wheels_for_each_functions_lambda_platform(cache: WheelCache) -> None:
    for name in ("api", "edge-saml"):
        package = packages()[name]
        wheels = cache.wheels(package.requirements, package.architecture.platform_tag, LAMBDA_PYTHON)
        compiled = [w.name for w in wheels.glob("*.whl") if not w.name.endswith("-none-any.whl")]
        assert compiled, f"{name} has compiled dependencies"
        machine = "aarch64" if package.architecture.value == "arm64" else "x86_64"
        assert all(machine in wheel and ("cp312" in wheel or "abi3" in wheel) for wheel in compiled), compiled


def test_the_wheel_cache_keeps_only_the_recently_used_entries(tmp_path: Path) -> None:
    cache = WheelCache(root=tmp_path, keep=2)
    for age, name in enumerate(["oldest", "older", "newer"]):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".complete").touch()
        os.utime(tmp_path / name, (1_000_000 + age, 1_000_000 + age))

    cache.prune()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["newer", "older"]


def test_lambda_platforms_include_every_older_manylinux_tag() -> None:
    tags = compatible_platform_tags("manylinux_2_28_aarch64")

    assert tags[0] == "manylinux_2_28_aarch64"
    assert "manylinux_2_17_aarch64" in tags and tags[-1] == "manylinux2014_aarch64"
    assert not any("x86_64" in tag or "2_29" in tag for tag in tags)


def test_make_package_without_edge_configuration_builds_nothing_and_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--only", "edge-viewer-request", "--output", str(tmp_path)]) == 2

    assert "EDGE_CONFIG=" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_package_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "api,website"]) == 2

    assert "unknown package website" in capsys.readouterr().err


# -- only what the handler can import ------------------------------------------------------------------------

LOCAL_ONLY = ("ccm/local/", "ccm/devidp/", "ccm/cli/")
"""The local stack, the development identity provider and the command line: never imported by a handler."""


@pytest.mark.parametrize("name", ["api", "backend", "edge-saml"])
def test_a_package_holds_exactly_the_ccm_modules_its_handler_can_import_and_no_local_only_code(
    name: str, built_packages: dict[str, BuiltPackage], project: Path
) -> None:
    built = built_packages[name]
    tree = source_tree(project)
    modules = tree.closure(built.package.module)
    source = project / "src" / "ccm"
    reachable = {f"ccm/{p.relative_to(source).as_posix()}" for p in tree.files(modules) if p.is_relative_to(source)}
    shipped = {n for n in names_in(built) if n.startswith("ccm/") and n.endswith(".py")}

    assert shipped == reachable
    assert not [n for n in names_in(built) if n.startswith(LOCAL_ONLY)]
    templates = {n.rsplit("/", 1)[1] for n in names_in(built) if n.startswith("ccm/templates/")}
    assert not {t for t in templates if t.startswith(("devidp_", "local_"))}
    if name != "edge-saml":
        assert {"email_change_approved.html", "email_layout.txt", "meeting_body.html"} <= templates
    assert {"ccm/config.py", "ccm/storage/archive.py"} <= shipped or name == "edge-saml"


def test_a_lazy_import_inside_a_function_is_shipped_and_a_type_checking_one_is_not(tmp_path: Path) -> None:
    (tmp_path / "ccm" / "deep").mkdir(parents=True)
    (tmp_path / "functions").mkdir()
    (tmp_path / "ccm" / "__init__.py").write_text("")
    (tmp_path / "ccm" / "deep" / "__init__.py").write_text("")
    for module in ("lazy", "typing_only", "unused"):
        (tmp_path / "ccm" / "deep" / f"{module}.py").write_text("")
    (tmp_path / "functions" / "app.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ccm.deep import typing_only\n"
        "def handler(event, context):\n    from .ccm_alias import nothing\n    from ccm.deep import lazy\n"
    )

    tree = source_tree(tmp_path).__class__({"ccm": tmp_path / "ccm", "functions": tmp_path / "functions"})

    assert tree.closure("functions.app") == {"functions.app", "ccm", "ccm.deep", "ccm.deep.lazy"}


# -- byte code of the runtime's Python ---------------------------------------------------------------------


def pyc_header(data: bytes) -> tuple[bytes, int]:
    """The magic number (which Python wrote it) and the flags (1: hash-based, unchecked)."""
    return data[:4], int.from_bytes(data[4:8], "little")


def magic_of(python: str) -> bytes:
    script = "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"
    return bytes.fromhex(subprocess.run([python, "-c", script], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("name", list(packages()))
def test_every_module_of_a_package_carries_byte_code_of_the_python_that_runs_it(
    name: str, built_packages: dict[str, BuiltPackage]
) -> None:
    built = built_packages[name]
    tag = "cpython-" + PYTHON_VERSION.replace(".", "")
    with zipfile.ZipFile(built.path) as archive:
        sources = [n for n in archive.namelist() if n.endswith(".py")]
        compiled = {n: archive.read(n) for n in archive.namelist() if n.endswith(".pyc")}

    assert built.byte_code == PYTHON and sources
    for source in sources:
        folder, _, file = source.rpartition("/")
        pyc = f"{folder}/__pycache__/{file[:-3]}.{tag}.pyc" if folder else f"__pycache__/{file[:-3]}.{tag}.pyc"
        assert pyc_header(compiled[pyc]) == (magic_of(PYTHON), 1), pyc


def test_packages_are_compiled_for_lambdas_python_when_this_machine_has_it() -> None:
    compiler = find_compiler(str(LAMBDA))

    if str(LAMBDA) == PYTHON_VERSION:
        assert compiler.python is not None and magic_of(compiler.python) == magic_of(PYTHON)
    else:
        assert compiler.python is None and compiler.warning is not None


def test_without_the_runtime_python_make_package_says_so_in_one_line_and_ships_source_only(
    tmp_path: Path, edge_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_PYTHON", str(tmp_path / "no-such-python"))
    arguments = ["--only", "edge-viewer-request", "--edge-config", str(edge_config), "--output", str(tmp_path)]

    assert main([*arguments, "--platform", HOST_PLATFORM]) == 0

    [warning] = [line for line in capsys.readouterr().err.splitlines() if line]
    assert warning.startswith("warning: no byte code in the packages: LAMBDA_PYTHON=")
    assert f"install Python {LAMBDA} or name one: LAMBDA_PYTHON=/path/to/python{LAMBDA} make package" in warning
    with zipfile.ZipFile(tmp_path / "edge-viewer-request.zip") as archive:
        assert not [n for n in archive.namelist() if n.endswith(".pyc")]


def test_an_interpreter_of_another_version_is_not_used_for_byte_code() -> None:
    other = f"{sys.version_info.major}.{sys.version_info.minor + 1}"

    compiler = find_compiler(other, sys.executable)

    assert compiler.python is None
    assert compiler.warning is not None
    assert (
        f"LAMBDA_PYTHON={sys.executable} is Python {sys.version_info.major}.{sys.version_info.minor}"
        in compiler.warning
    )
    assert f"not Lambda's {other}" in compiler.warning
