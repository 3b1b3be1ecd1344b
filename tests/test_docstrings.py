"""Every Sphinx-style cross-reference in the package's docstrings and comments names something that
exists: ``:func:`choose_best``` relative to the module it is written in (or to the class around it),
``:func:`~steel.evaluate.selection.choose_best``` from the top. Moving a function leaves no stale
pointers behind."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import io
import re
import tokenize
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "steel"

ROLES = "func|class|meth|mod|data|attr|exc"
# the target may carry a title (``title <target>``) and may wrap onto the next line
REFERENCE = re.compile(rf":(?:py:)?(?P<role>{ROLES}):`(?P<text>[^`]+)`")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def texts(source: str) -> list[tuple[int, str]]:
    """The docstrings (and other bare string statements) and comment blocks of a module, each with
    the line it starts on; consecutive comment lines are one block so that a reference may wrap."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.append((node.lineno, ast.get_source_segment(source, node) or ""))
    block: list[str] = []
    start = last = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        if block and line != last + 1:
            found.append((start, "\n".join(block)))
            block = []
        if not block:
            start = line
        block.append(token.string.lstrip("#").strip())
        last = line
    if block:
        found.append((start, "\n".join(block)))
    return found


def references(source: str) -> list[tuple[int, str, str]]:
    """``(line, role, target)`` for every reference in a module's source."""
    found = []
    for first, text in texts(source):
        for match in REFERENCE.finditer(text):
            target = match["text"]
            if target.endswith(">") and "<" in target:
                target = target[target.rindex("<") + 1 : -1]
            target = " ".join(target.split()).lstrip("~").lstrip(".").removesuffix("()")
            found.append((first + text.count("\n", 0, match.start()), match["role"], target))
    return found


def classes_around(tree: ast.Module, line: int) -> list[str]:
    """The dotted names of the classes whose body holds ``line``, innermost first."""
    names: list[str] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and child.lineno <= line <= (child.end_lineno or 0):
                names.insert(0, prefix + child.name)
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return names


def has_attribute(owner: object, name: str) -> bool:
    """Like ``hasattr``, but also a dataclass field or an annotated class attribute without a value,
    which exist only on instances."""
    if hasattr(owner, name):
        return True
    if isinstance(owner, type):
        if dataclasses.is_dataclass(owner) and name in {f.name for f in dataclasses.fields(owner)}:
            return True
        return any(name in getattr(base, "__annotations__", {}) for base in owner.__mro__)
    return False


def lookup(owner: object, dotted: str) -> bool:
    for part in dotted.split(".") if dotted else []:
        if not has_attribute(owner, part):
            return False
        owner = getattr(owner, part, None)
    return True


def resolve_absolute(target: str) -> bool:
    """Import the longest prefix of ``target`` that is a module, then look the rest up in it."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        return lookup(module, ".".join(parts[cut:]))
    return False


def resolves(module: str, tree: ast.Module, line: int, target: str) -> bool:
    """As Sphinx looks a name up: in the classes around the reference, in its module (a package's
    submodules included), then from the top."""
    if not target or " " in target:
        return False
    scopes = [*classes_around(tree, line), ""] if module else []
    return any(resolve_absolute(f"{module}.{scope}.{target}".replace("..", ".")) for scope in scopes) or (
        resolve_absolute(target)
    )


def broken(path: Path, source: str | None = None) -> list[str]:
    """``file:line: reference`` for each reference in the module that names nothing; ``source``
    stands in for the file's text."""
    source = path.read_text(encoding="utf-8") if source is None else source
    # importing __main__ would run the command: its references are read from the top only
    module = "" if path.name == "__main__.py" else module_name(path)
    tree = ast.parse(source)
    where = path.relative_to(REPO)
    return [
        f"{where}:{line}: :{role}:`{target}`"
        for line, role, target in references(source)
        if not resolves(module, tree, line, target)
    ]


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_reference_resolves():
    stale = [entry for path in package_files() for entry in broken(path)]
    assert not stale, "references that name nothing:\n" + "\n".join(stale)


@pytest.mark.parametrize(
    ("written", "ok"),
    [
        ("    :func:`steel.layers.cell_id` and :class:`~Settings`", True),
        ("    :meth:`Setting.check`, :attr:`Settings.iterations`, :mod:`steel.io`", True),
        ("    :func:`cell ids <steel.layers.cell_id>`", True),
        ("    :func:`steel.layers.no_such_function`", False),
        ("    :func:`no_such_name`", False),
    ],
)
def test_a_planted_reference_is_judged(written, ok):
    """The checker on a docstring planted in ``settings.py``'s place, so relative names are looked
    up there."""
    source = f'"""A docstring.\n\n{written}\n"""\n\n# and a comment: {written.strip()}\n'
    found = broken(PACKAGE / "settings.py", source)
    assert len(found) == (0 if ok else 2), found
