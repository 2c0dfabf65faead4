"""benchmarks/hello_instructions.py's ``plain`` run (the example's own code without the engine,
the floor docs/engine.md compares the engines with) gives the interpreter's output."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "hello_instructions", ROOT / "benchmarks" / "hello_instructions.py")
hello = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hello)


@pytest.mark.parametrize("program", [
    hello.brainfuck.HELLO.read_text(),
    "++>  ++<\n[.->[.-]<]",
    "+" * 65 + ".>+++[<.>-]",
])
def test_the_plain_run_does_what_the_interpreter_does(talk, program):
    expected = hello.brainfuck.BFInterpreter(talk)("new", {"text": program, "test": True})
    assert expected  # each program writes something
    assert hello.Plain()("new", {"text": program, "test": True}) == expected
