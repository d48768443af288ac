"""The project's own files a handler can import, found by reading import statements (nothing is executed).

A Lambda package ships only these, so local-only code (``ccm.local``, ``ccm.devidp``, the command line) never
reaches AWS: it is left out because no handler can import it, not because a list names it. Imports inside
functions count (a lazy import still runs in AWS); imports under ``if TYPE_CHECKING:`` do not. Data files (the
jinja2 templates) go along unless only left-out modules name them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


@dataclass(frozen=True)
class SourceTree:
    """Where the top-level packages of the project live: ``{"ccm": src/ccm, "functions": functions}``."""

    roots: dict[str, Path]

    def file_of(self, module: str) -> Path | None:
        top, *rest = module.split(".")
        root = self.roots.get(top)
        if root is None:
            return None
        base = root.joinpath(*rest)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def is_package(self, module: str) -> bool:
        found = self.file_of(module)
        return found is not None and found.name == "__init__.py"

    def imports_of(self, module: str) -> set[str]:
        path = self.file_of(module)
        assert path is not None
        package = module if self.is_package(module) else module.rpartition(".")[0]
        found: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        return {name for name in found if self.file_of(name) is not None}

    def closure(self, entry: str) -> set[str]:
        """``entry`` and every project module it can import, with the packages that contain them."""
        seen: set[str] = set()
        pending = [entry]
        while pending:
            module = pending.pop()
            if module in seen or self.file_of(module) is None:
                continue
            seen.add(module)
            parts = module.split(".")
            pending.extend(".".join(parts[:depth]) for depth in range(1, len(parts)))
            pending.extend(self.imports_of(module))
        return seen

    def files(self, modules: set[str]) -> set[Path]:
        return {path for path in (self.file_of(module) for module in modules) if path is not None}

    def data_files(self, top: str, modules: set[str]) -> set[Path]:
        """The non-Python files under ``top`` that go with ``modules``: all but those only left-out modules name."""
        root = self.roots[top]
        kept_text = "\n".join(path.read_text(encoding="utf-8") for path in self.files(modules))
        left_out = [p for p in root.rglob("*.py") if p not in self.files(modules) and "__pycache__" not in p.parts]
        left_out_text = "\n".join(path.read_text(encoding="utf-8") for path in left_out)
        data = set()
        for path in root.rglob("*"):
            if not path.is_file() or path.suffix in {".py", ".pyc", ".typed"} or "__pycache__" in path.parts:
                continue
            if (path.parent / "__init__.py").exists():
                continue
            named_by_left_out = f'"{path.name}"' in left_out_text
            if not named_by_left_out or f'"{path.name}"' in kept_text:
                data.add(path)
        return data
