"""The house rules, checked on the source: the import graph follows the data flow, and no
function grows past 80 lines.

The graph is read with ``ast`` from every module of ``qa/``, ``ui/`` and ``app.py``, counting
imports inside functions too (a lazy import is still a dependency).
"""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: The library's rooms in data-flow order: a module may import its own room and those before it.
LAYERS = [
    {"qa.config", "qa.errors", "qa.types", "qa.text"},
    {"qa.models"},  # model files: located, verified, opened (no torch)
    {"qa.ingest"},
    {"qa.index"},
    {"qa.search"},
    {"qa.analysis"},
    {"qa.present"},
    {"qa.eval"},
    {"qa.engine"},
    {"qa"},  # the package itself: the public API
    {"qa.cli", "qa.__main__"},
]
MAX_FUNCTION_LINES = 80


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def python_files() -> list[Path]:
    return sorted([*ROOT.joinpath("qa").rglob("*.py"), *ROOT.joinpath("ui").rglob("*.py"), ROOT / "app.py"])


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (``from x import y`` counts as x.y when y is
    a module of ours, else as x)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if _is_module(sub) else base)
    return out


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer(name: str) -> int | None:
    best = None
    for i, room in enumerate(LAYERS):
        for prefix in room:
            if name == prefix or (prefix != "qa" and name.startswith(prefix + ".")):
                best = i
    return best


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in python_files()}


def test_the_graph_reads_every_module(graph):
    assert {"qa", "qa.engine", "qa.search.retrieve", "qa.index.store", "qa.cli.ask", "ui", "app"} <= set(graph)
    assert "qa.index.vectors" in graph["qa.search.retrieve"]  # from ..index import vectors
    assert "qa.text" in graph["qa.index.lexical"]


def test_the_library_imports_no_front_end(graph):
    for name, deps in graph.items():
        if not name.startswith("qa"):
            continue
        assert not any(d == "gradio" or d.startswith("gradio.") for d in deps), f"{name} imports gradio"
        assert not any(d.split(".")[0] in ("ui", "app") for d in deps), f"{name} imports the app"
        if not (name.startswith("qa.cli") or name == "qa.__main__"):
            assert not any(d.startswith("qa.cli") for d in deps), f"{name} imports the command line"


def test_each_package_imports_only_those_before_it(graph):
    bad = []
    for name, deps in graph.items():
        own = layer(name)
        if own is None:
            continue
        for d in deps:
            dl = layer(d) if d.startswith("qa") else None
            if dl is not None and dl > own:
                bad.append(f"{name} -> {d}")
    assert not bad, "imports against the data flow:\n" + "\n".join(bad)


def test_front_ends_use_only_public_names(graph):
    for name, deps in graph.items():
        if name.startswith("qa"):
            continue
        private = [d for d in deps if d.startswith("qa") and any(p.startswith("_") for p in d.split(".")[1:])]
        assert not private, f"{name} imports private modules {private}"
    for path in python_files():
        if module_name(path).startswith("qa"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qa"):
                names = [a.name for a in node.names if a.name.startswith("_")]
                assert not names, f"{path.name} imports private names {names} from {node.module}"


def test_no_import_cycles(graph):
    ours = {n: {d for d in deps if d in graph} for n, deps in graph.items()}
    try:
        tuple(TopologicalSorter(ours).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_a_cycle_would_be_caught():
    with pytest.raises(CycleError):
        tuple(TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())


def test_no_function_over_80_lines_and_a_small_app_py():
    long = []
    for path in sorted(p for p in ROOT.rglob("*.py") if ".venv" not in p.parts):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "\n".join(long)
    assert len((ROOT / "app.py").read_text(encoding="utf-8").splitlines()) < 150
