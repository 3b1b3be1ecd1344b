"""The package's layers, as docs/code-map.md states them: every import of every module (function-local
ones too) goes to its own layer or a lower one, and no modules import each other in a circle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "steel"


def stated_layers() -> list[list[str]]:
    """The numbered list under the code map's "Layers" heading, lowest first: each item's
    backticked names (``steel``-relative modules or packages)."""
    text = (REPO / "docs" / "code-map.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\. (.*)$", section, re.M)
    return [re.findall(r"`([\w.]+)`", item) for item in items]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every steel module ``path`` imports, anywhere in it (relative imports resolved)."""
    found, known = set(), modules()
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], base]).strip(".")
            found.add(base)
            # ``from steel.cells import pair`` imports the module steel.cells.pair
            found |= {f"{base}.{alias.name}" for alias in node.names} & known
    return {name for name in found if name == "steel" or name.startswith("steel.")}


def modules() -> set[str]:
    return {module_name(path) for path in PACKAGE.rglob("*.py")}


def layer_of(module: str, layers: list[list[str]]) -> int:
    """The layer that names the module, or the package that holds it (the longest match)."""
    relative = module.removeprefix("steel").removeprefix(".") or "steel"
    best = None
    for rank, names in enumerate(layers):
        for name in names:
            inside = relative == name or relative.startswith(name + ".")
            if inside and (best is None or len(name) > len(best[1])):
                best = (rank, name)
    assert best is not None, f"{module} is in no layer of docs/code-map.md: add it there"
    return best[0]


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {
        module_name(path): {name for name in imported(path) if name in known and name != module_name(path)}
        for path in PACKAGE.rglob("*.py")
    }


def test_the_code_map_states_the_layers():
    layers = stated_layers()
    assert layers[0][0] == "errors" and layers[-1] == ["cli", "__main__"]
    assert all(layers), "a layer without a name"


def test_no_module_imports_from_a_higher_layer():
    layers = stated_layers()
    climbs = [
        f"{module} (layer {layer_of(module, layers) + 1}) imports {target} "
        f"(layer {layer_of(target, layers) + 1})"
        for module, targets in import_graph().items()
        for target in targets
        if layer_of(target, layers) > layer_of(module, layers)
    ]
    assert climbs == []


def test_no_modules_import_each_other_in_a_circle():
    graph = import_graph()
    # the package itself names its lazy exports as strings; it imports nothing at load time
    graph.pop("steel", None)
    circles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                circles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_the_walk_finds_imports_inside_functions():
    """The checks read what they claim: a function-local import and package-level names count."""
    graph = import_graph()
    # cli imports the stylize cell inside a function (torch stays out of --help)
    assert "steel.cells.stylize" in graph["steel.cli"]
    assert "steel.plan.run_folder" in graph["steel.cells.trace"]
