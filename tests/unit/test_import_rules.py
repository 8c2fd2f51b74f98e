"""The import structure of app/, read from the source: no circles, and no import that runs up a layer.

- app/wechat imports nothing of app/sandbox (create_app wires the simulators in);
- app/schemas imports nothing of app/services (services hand schemas what they dump);
- app/domain and app/rendering are pure: no Flask, no database, nothing of app/ above them;
- no service takes request, session or g from flask (views and app.auth read the request).
"""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _modules() -> dict[str, Path]:
    out = {}
    for path in APP.rglob("*.py"):
        name = ".".join(("app", *path.relative_to(APP).with_suffix("").parts)).removesuffix(".__init__")
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(modules of app/ that `name` imports, names it takes from flask)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found, from_flask = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base == "flask":
                from_flask |= {alias.name for alias in node.names}
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found, from_flask


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _edges(prefix: str, target: str) -> list[str]:
    return sorted(f"{m} -> {d}" for m, (deps, _) in GRAPH.items() if m.startswith(prefix)
                  for d in deps if d == target or d.startswith(target + "."))


def test_no_import_circles():
    # A package's __init__ only hands names on; circles are between modules.
    graph = {m: {d for d in deps if not MODULES[d].name == "__init__.py"}
             for m, (deps, _) in GRAPH.items() if MODULES[m].name != "__init__.py"}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                on_stack.discard(w)
                group.append(w)
            on_stack.discard(v)
            if group:
                circles.append(sorted([v, *group]))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, circles


def test_wechat_does_not_know_the_sandbox():
    assert not _edges("app.wechat", "app.sandbox")


def test_schemas_import_no_services():
    assert not _edges("app.schemas", "app.services")


def test_pure_layers_stay_pure():
    """Domain and rendering import only themselves, and the renderers the message catalogue (app.catalogue:
    files read once, no Flask, like their fonts), which imports nothing of the app."""
    for pure, allowed in (("app.domain", ()), ("app.rendering", ("app.catalogue",))):
        above = [f"{m} -> {d}" for m, (deps, _) in GRAPH.items() if m.startswith(pure)
                 for d in deps if not d.startswith(pure) and d not in allowed]
        assert not above, above
        flask = [m for m, (_, names) in GRAPH.items() if m.startswith(pure) and names]
        assert not flask, flask
    assert not GRAPH["app.catalogue"][0] and not GRAPH["app.catalogue"][1]


def test_services_do_not_read_the_request():
    readers = {m: sorted(names & {"request", "session", "g"}) for m, (_, names) in GRAPH.items()
               if m.startswith("app.services")}
    assert not {m: n for m, n in readers.items() if n}


def test_the_rules_see_real_imports():
    """The reader is not blind: known edges are found."""
    assert "app.services.console.scenarios" in GRAPH["app.services.console.doors"][0]
    assert "app.sandbox" in GRAPH["app"][0] and "request" in GRAPH["app.auth"][1]
