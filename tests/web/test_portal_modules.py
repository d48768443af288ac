"""The portal's JavaScript modules: their Node tests (``tests/web/js``: the API client and the zones), their imports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def test_the_portal_modules_pass_their_node_tests() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the portal's module tests (the browser tests need it for npm too)"
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", "tests/web/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counts = dict(
        line.split()[1:3] for line in result.stdout.splitlines() if line.startswith("ℹ ") and len(line.split()) == 3
    )
    assert counts["fail"] == "0" and int(counts["pass"]) >= 11, result.stdout


IMPORT = re.compile(r"^import \{([^}]*)\} from \"([^\"]+)\";", re.MULTILINE)
REEXPORT = re.compile(r"^export \{([^}]*)\} from \"([^\"]+)\";", re.MULTILINE)
EXPORT = re.compile(r"^export (?:async )?(?:function|const|let|class) (\w+)", re.MULTILINE)


def exported_names(module: Path) -> set[str]:
    text = module.read_text(encoding="utf-8")
    names = set(EXPORT.findall(text))
    for listed, _ in REEXPORT.findall(text):
        names |= {name.split(" as ")[-1].strip() for name in listed.split(",") if name.strip()}
    return names


def test_every_name_a_portal_module_imports_is_exported_by_the_module_it_names() -> None:
    """Without a build step nothing checks the modules' imports before a browser loads them; this does."""
    missing = []
    for module in sorted((ROOT / "web" / "assets" / "js").rglob("*.js")):
        text = module.read_text(encoding="utf-8")
        for listed, source in IMPORT.findall(text) + REEXPORT.findall(text):
            target = (module.parent / source).resolve()
            if not target.is_file():
                missing.append(f"{module.name}: no module {source}")
                continue
            wanted = {name.split(" as ")[0].strip() for name in listed.split(",") if name.strip()}
            missing += [f"{module.name}: {source} has no export {name}" for name in wanted - exported_names(target)]
    assert missing == []
