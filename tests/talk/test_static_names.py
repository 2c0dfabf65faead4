"""``chatexchange.talk``'s public names are static: a type checker reads them from the
``TYPE_CHECKING`` imports of ``talk/__init__.py``, while at run time they come from the selected
implementation (compiled or pure). These tests hold the two together and ask mypy, when it is
installed, whether a user's ``from chatexchange.talk import Handler, ...`` type-checks."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
import textwrap

import pytest

import chatexchange.talk


def _module_names(module_name: str) -> set[str]:
    return set(importlib.import_module(f"chatexchange.talk.{module_name}").__all__)


def test_all_is_every_engine_name_and_each_is_the_selected_implementations():
    talk = chatexchange.talk
    engine = set().union(*(_module_names(name) for name in talk.MODULES))
    assert sorted(talk.__all__) == sorted(engine | {"COMPILED", "implementation"})
    assert len(talk.__all__) == len(set(talk.__all__))
    selected = talk.implementation("compiled" if talk.COMPILED else "pure")
    for name in engine:
        assert getattr(talk, name) is getattr(selected, name), name


def test_the_type_checking_imports_name_each_module_s_all():
    """What checkers see (the imports under ``if TYPE_CHECKING:``) is what runs."""
    tree = ast.parse(inspect.getsource(chatexchange.talk))
    blocks = [node for node in tree.body
              if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
              and node.test.id == "TYPE_CHECKING"]
    assert len(blocks) == 1
    seen: dict[str, set[str]] = {}
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1, ast.dump(node)
        assert node.module is not None
        seen[node.module] = {alias.name for alias in node.names}
    assert seen == {name: _module_names(name) for name in chatexchange.talk.MODULES}


GOOD = """
from chatexchange.talk import (
    COMPILED, ComplexNotion, Condition, Event, Graph, GraphBuilder, Handler, Notion,
    ParsingProcess, ParsingRelation, Process, Relation, implementation,
)

handler: Handler = Handler()
handler.on(Condition("hi"), Event(lambda: "hello"))
compiled: bool = COMPILED
pure = implementation("pure")

builder = GraphBuilder("greeting").parse_rel("hi").notion("said hi")
graph: Graph | None = builder.graph
root: Notion | None = graph.root if graph is not None else None
relation: Relation = ParsingRelation(ComplexNotion("a"), Notion("b"), "x")
process = ParsingProcess()
walker: Process = process
result: tuple[object, ...] = process("new", root, text="hi")
parsed: int = process.parsed_length
"""

#: The same names used wrongly: each line must be an error, so the names are not ``Any``.
BAD = """
from chatexchange.talk import Condition, Handler, ParsingProcess

Handler().no_such_method()
count: int = Condition("greeting")
text: str = ParsingProcess().parsed_length
"""


def _mypy(tmp_path, name: str, source: str) -> tuple[int, str]:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    command = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
               "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(path)]
    env = {**os.environ, "MYPY_FORCE_COLOR": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=600)
    return done.returncode, done.stdout + done.stderr


def test_mypy_sees_the_public_names(tmp_path):
    pytest.importorskip("mypy.api", reason="mypy is not installed (the CI type-check step covers "
                                           "this)")
    code, output = _mypy(tmp_path, "good", GOOD)
    assert code == 0, output
    code, output = _mypy(tmp_path, "bad", BAD)
    assert code == 1, output
    assert '"Handler" has no attribute "no_such_method"' in output, output
    assert 'has type "Condition", variable has type "int"' in output, output
    assert 'has type "int", variable has type "str"' in output, output
