"""Check the house rules of docs/DESIGN.md from the source alone (ast, stdlib only).

    python scripts/check_architecture.py            # the repository this script sits in
    python scripts/check_architecture.py --root DIR

Prints one line per violation and exits 1 when there is any:
- an import circle between modules (imports inside functions count: a lazy import only hides one;
  imports under ``if TYPE_CHECKING:`` never run, so they count for layers but close no circle);
- an upward import: data flows ingest → index → answering (assistant/, finetune/) → wiring → app → cli;
- a source file over MAX_LINES lines;
- more than MAX_TOP_MODULES modules directly in assistant/;
- ``pytest.importorskip`` of one of our own packages in tests/ (a broken import must fail, not skip).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGES = ("ingest", "index", "assistant", "finetune")
MAX_LINES = 300
MAX_TOP_MODULES = 10


def layer(module: str) -> int:
    """Lower layers never import higher ones. wiring builds everything below the app and the CLI;
    the app gets its parts from wiring; the CLI may start the app (``serve``)."""
    parts = module.split(".")
    if parts[0] == "ingest":
        return 0
    if parts[0] == "index":
        return 1
    if parts[0] == "assistant" and len(parts) > 1:
        return {"wiring": 3, "app": 4, "cli": 5}.get(parts[1], 2)
    return 2  # assistant/__init__ and finetune: answering


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of our packages (a package is its __init__)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def type_only_lines(tree: ast.AST) -> set[int]:
    """Lines of the statements under ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def imports(path: Path, module: str, known: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """Our modules ``path`` imports (anywhere in the file): (module, line, whether it runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    type_only = type_only_lines(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:  # `import a.b.c` of a module we know as a.b
                name = name.rpartition(".")[0]
            if name and name != module:
                out.append((name, node.lineno, node.lineno not in type_only))
    return out


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def cycle_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One shortest circle through the component's first module, as the chain of imports."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    return component  # unreachable for a strongly connected component


def own_importorskips(root: Path) -> list[str]:
    problems = []
    for path in sorted((root / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "importorskip" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and node.args[0].value.split(".")[0] in PACKAGES):
                problems.append(f"{path.relative_to(root)}:{node.lineno}: importorskip of our own module "
                                f"{node.args[0].value!r} (import it: a broken import must fail)")
    return problems


def check(root: Path) -> list[str]:
    known = modules(root)
    problems = []
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        rel = path.relative_to(root)
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            problems.append(f"{rel}: {lines} lines (at most {MAX_LINES})")
        for target, lineno, runs in sorted(set(imports(path, name, known))):
            if runs:
                graph[name].add(target)
            if layer(target) > layer(name):
                problems.append(f"{rel}:{lineno}: upward import of {target} (layer {layer(target)}) "
                                f"from layer {layer(name)}")
    for component in circles(graph):
        problems.append("import circle: " + " -> ".join(cycle_through(component, graph)))
    top = sorted(p.name for p in (root / "assistant").glob("*.py"))
    if len(top) > MAX_TOP_MODULES:
        problems.append(f"assistant/: {len(top)} top-level modules (at most {MAX_TOP_MODULES}): {', '.join(top)}")
    return problems + own_importorskips(root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1],
                        help="repository root (default: the one holding this script)")
    args = parser.parse_args(argv)
    problems = check(args.root)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
