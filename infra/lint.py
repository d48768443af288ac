"""cfn-lint over the rendered SAM template and its CloudFormation translation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.stack import EDGE_REGION


@dataclass(frozen=True)
class LintResult:
    returncode: int
    output: str

    @property
    def clean(self) -> bool:
        return self.returncode == 0


def cfn_lint(templates: Sequence[Path], region: str = EDGE_REGION, *, parseable: bool = False) -> LintResult:
    """Run the cfn-lint installed beside this interpreter (the project's environment); ``parseable`` gives one
    ``path:line:column:end line:end column:rule:message`` line per finding."""
    executable = Path(sys.executable).with_name("cfn-lint")
    output_format = ["--format", "parseable"] if parseable else []
    command = [str(executable), "--regions", region, *output_format, "--", *(str(path) for path in templates)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    return LintResult(completed.returncode, (completed.stdout + completed.stderr).strip())
