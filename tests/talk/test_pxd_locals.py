"""Each ``@cython.locals`` line of a ``_speedups/*.pxd`` types names of the function declared right
under it. A declaration inserted between a decorator and its function moves the decorator to the
new one without any error from Cython: the hot function loses its C types and runs at Python
speed (one such slip made the compiled ``Handler.handle`` half as fast), so every declared name must
be a parameter or a local of the function it decorates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "chatexchange"
PXDS = sorted((SRC / "_speedups").glob("*.pxd"))


def _functions(module: Path) -> dict[tuple[str | None, str], ast.FunctionDef]:
    """(class or None, name) -> the function, for the module's top-level functions and methods."""
    found: dict[tuple[str | None, str], ast.FunctionDef] = {}
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[(node.name, item.name)] = item
        elif isinstance(node, ast.FunctionDef):
            found[(None, node.name)] = node
    return found


def _decorated(pxd: Path) -> list[tuple[int, str | None, str, list[str]]]:
    """(line, class, function, declared names) for each ``@cython.locals`` of ``pxd``."""
    lines = pxd.read_text().splitlines()
    result = []
    cls: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        opened = re.match(r"cdef class (\w+)", line)
        if opened:
            cls = opened.group(1)
        elif line and not line.startswith((" ", "@", "#")):
            cls = None
        if line.strip().startswith("@cython.locals("):
            text, j = line, i
            while text.count("(") > text.count(")"):
                j += 1
                text += lines[j]
            declared = lines[j + 1]
            name = re.search(r"(\w+)\(", re.sub(r"^\s*c?p?def\s+(\w+\s+)?(?=\w+\()", "", declared))
            assert name is not None, f"{pxd.name}:{j + 2}: no function under the decorator"
            owner = cls if declared.startswith(" ") else None
            result.append((i + 1, owner, name.group(1), re.findall(r"(\w+)=", text)))
            i = j
        i += 1
    return result


@pytest.mark.parametrize("pxd", PXDS, ids=lambda p: p.name)
def test_typed_locals_belong_to_the_function_under_them(pxd: Path) -> None:
    functions = _functions(SRC / "talk" / f"{pxd.stem}.py")
    decorated = _decorated(pxd)
    if pxd.stem in ("core", "elements", "process"):  # the hot paths: the parser must see them
        assert decorated, f"{pxd.name}: no typed locals found"
    for line, owner, name, names in decorated:
        function = functions.get((owner, name))
        assert function is not None, f"{pxd.name}:{line}: no {owner}.{name} in talk/{pxd.stem}.py"
        seen = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}
        seen |= {arg.arg for arg in ast.walk(function) if isinstance(arg, ast.arg)}
        stray = [local for local in names if local not in seen]
        assert not stray, f"{pxd.name}:{line}: {owner}.{name} has no {stray}"
