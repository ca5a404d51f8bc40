"""The shape of the code: layers that only point down, modules a reader can hold in mind.

The imports of ``crawler/``, ``spiders/`` and ``pipelines/`` are read with ``ast`` (at module
level and inside functions, which run too; not those under ``if TYPE_CHECKING:``, which
never run): no module may reach itself again through them. A package importing its own
submodules is fine (``crawler.store`` opens ``crawler.store.sqlite``, which imports the
package's types back).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "spiders", "pipelines")
MAX_LINES = 600
MAX_SPIDER_BASE_LINES = 300


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the packages."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run (anywhere but under ``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            children: list[ast.AST] = list(node.orelse)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        else:
            children = [node]
        for child in children:
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child
            else:
                yield from _imports(child)


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The project module an import names (its deepest existing prefix), or None."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _parents(module: str, known: dict[str, Path]) -> list[str]:
    """The project packages Python loads before ``module``: ``a`` and ``a.b`` for ``a.b.c``."""
    parts = module.split(".")
    return [p for i in range(1, len(parts)) if (p := ".".join(parts[:i])) in known]


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def import_graph() -> dict[str, dict[str, list[int]]]:
    """module -> {project module it imports: [line numbers]}."""
    known = modules()
    graph: dict[str, dict[str, list[int]]] = {}
    for module, path in known.items():
        edges: dict[str, list[int]] = {}
        for node in _imports(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the package of this module
                    package = _package_of(module, path).split(".")
                    base = ".".join([*package[:len(package) - node.level + 1], base]).strip(".")
                # "from pkg import name": the submodule pkg.name when there is one.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                           for a in node.names]
            for target in targets:
                found = _resolve(target, known)
                if found is None:
                    continue
                # Importing a.b.c runs the packages a and a.b first: they are reached too
                # (except the packages this module is itself inside, already loading).
                for reached in (*_parents(found, known), found):
                    # Itself, or its own submodules (a package opening its parts), never count.
                    if (reached == module or reached.startswith(module + ".")
                            or module.startswith(reached + ".")):
                        continue
                    edges.setdefault(reached, []).append(node.lineno)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, list[int]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking(tmp_path: Path) -> None:
    source = ("from typing import TYPE_CHECKING\nimport os\nif TYPE_CHECKING:\n"
              "    from crawler.state import StateManager\n"
              "def f():\n    from crawler.runstatus import fail\n")
    names = [n.module if isinstance(n, ast.ImportFrom) else n.names[0].name
             for n in _imports(ast.parse(source))]
    assert names == ["typing", "os", "crawler.runstatus"]


def test_cycles_finds_a_circle_and_ignores_a_chain() -> None:
    assert cycles({"a": {"b": [1]}, "b": {"c": [1]}, "c": {"a": [1]}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": [1]}, "b": {"c": [1]}, "c": {}}) == []


def test_no_import_circle() -> None:
    graph = import_graph()
    lines = []
    for component in cycles(graph):
        lines.append(" <-> ".join(component))
        lines += [f"    {a} imports {b} (line {', '.join(map(str, graph[a][b]))})"
                  for a in component for b in graph[a] if b in component]
    assert not lines, "import circles:\n" + "\n".join(lines)


def test_nothing_below_the_spider_imports_a_command() -> None:
    """``crawler/commands/`` is the top layer: only ``crawler.__main__`` may use it."""
    offenders = sorted(
        f"{module} imports {target}"
        for module, edges in import_graph().items()
        for target in edges
        if target.startswith("crawler.commands") and not module.startswith(
            ("crawler.commands", "crawler.__main__")))
    assert not offenders, offenders


def test_single_machine_code_never_imports_redis_mode() -> None:
    """Redis mode (``crawler/redis/``) replaces Scrapy components; the code of a one-machine
    crawl (state, feeds, summary, pipelines, middlewares...) does not depend on it. Only the
    spiders (which switch it on) and the CLI may import it."""
    allowed = ("crawler.redis", "spiders", "crawler.__main__", "crawler.commands",
               "crawler.addons")
    offenders = sorted(
        f"{module} imports {target}"
        for module, edges in import_graph().items()
        for target in edges
        if (target == "crawler.redis" or target.startswith("crawler.redis."))
        and not module.startswith(allowed))
    assert not offenders, offenders


def _line_counts() -> dict[str, int]:
    return {str(path.relative_to(ROOT)): len(path.read_text("utf-8").splitlines())
            for path in modules().values()}


def test_no_module_over_600_lines() -> None:
    over = {name: n for name, n in _line_counts().items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def test_spider_base_reads_like_a_table_of_contents() -> None:
    assert _line_counts()["spiders/base.py"] < MAX_SPIDER_BASE_LINES


def _function_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from (n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom))


def function_level_imports() -> dict[str, set[str]]:
    """File -> the project modules it imports inside a function (they run late, on a call)."""
    found: dict[str, set[str]] = {}
    for module, path in modules().items():
        for node in _function_imports(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if not node.level else [module])
            for name in names:
                if name.split(".")[0] in PACKAGES:
                    found.setdefault(str(path.relative_to(ROOT)), set()).add(name)
    return found


def test_imports_inside_functions_are_the_ones_architecture_md_explains() -> None:
    """A project import inside a function hides a dependency from a reader (and dodged
    circles before): each file that has one is listed, with its reason, in ARCHITECTURE.md's
    section on them; a listed file that no longer has one is taken off the list."""
    text = (ROOT / "ARCHITECTURE.md").read_text("utf-8")
    section = text.split("## Imports inside functions", 1)[1].split("\n## ", 1)[0]
    listed = {m.group(1) for m in re.finditer(r"^- `([\w/.]+\.py)`", section, re.M)}
    found = function_level_imports()
    assert sorted(found) == sorted(listed), {
        "not explained": sorted(set(found) - listed),
        "no longer there": sorted(listed - set(found)),
    }


def test_components_share_state_through_the_run_context_only() -> None:
    """No string keys on the crawler (``crawler.__dict__["_vnnews_..."]``): one typed
    :class:`crawler.runcontext.RunContext` per crawl holds what components share."""
    offenders = []
    for folder in (*PACKAGES, "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "runcontext.py":
                continue
            text = path.read_text("utf-8")
            if "_vnnews_" in text or "crawler.__dict__" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
