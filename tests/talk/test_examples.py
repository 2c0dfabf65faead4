"""The two engine examples end to end, on both implementations (cases file section M)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(
        f"example_{name}", ROOT / "examples" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


brainfuck = _load("brainfuck")
cool_lexer = _load("cool_lexer")


@pytest.mark.parametrize(
    ("program", "data", "output"),
    [
        (",>, .<.", "ab", "ba"),
        ("++ [.-]", True, "(2)(1)"),
        ("++>  ++<\n[.->[.-]<]", True, "(2)(2)(1)(1)"),
        ("[.[[]", True, "Start loop without end at the position 1"),
        ("+++a", True, 'Unknown char "a" at the position 4'),
        ("--]", True, "End loop without start at position 3"),
        ("+" * 65 + ".", True, "A"),
        (brainfuck.HELLO.read_text(), True, "Hello World!\n"),
    ],
)
def test_brainfuck(talk, program, data, output):
    assert brainfuck.BFInterpreter(talk)("new", {"text": program, "test": data}) == output


def test_brainfuck_interpreter_is_reusable(talk):
    interpreter = brainfuck.BFInterpreter(talk)
    assert interpreter("new", {"text": "+" * 66 + ".", "test": True}) == "B"
    assert interpreter("new", {"text": "+" * 67 + ".", "test": True}) == "C"
    assert brainfuck.run("+" * 10 + ".", talk=talk) == "\n"


HELLO_TOKENS = """#2 CLASS
#2 TYPEID Main
#2 INHERITS
#2 TYPEID IO
#2 '{'
#3 OBJECTID main
#3 '('
#3 ')'
#3 ':'
#3 TYPEID Object
#3 '{'
#4 OBJECTID out_string
#4 '('
#4 STR_CONST "Hello, world.\\n"
#4 ')'
#5 '}'
#5 ';'
#6 '}'
#6 ';'""".splitlines()


def test_cool_hello(talk):
    assert cool_lexer.lex_file(cool_lexer.HELLO, talk) == HELLO_TOKENS


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "x <- 12 + true; -- comment\n y",
            [
                "#1 OBJECTID x",
                "#1 ASSIGN",
                "#1 INT_CONST 12",
                "#1 '+'",
                "#1 BOOL_CONST true",
                "#1 ';'",
                "#2 OBJECTID y",
            ],
        ),
        ("(* a (* nested *) b *) z", ["#1 OBJECTID z"]),
        ('"a\\tb\\"c"', ['#1 STR_CONST "a\\tb\\"c"']),
        ('"unterminated\nx', ['#2 ERROR "Unterminated string constant"', "#2 OBJECTID x"]),
        ("*) #", ['#1 ERROR "Unmatched *)"', '#1 ERROR "#"']),
        ("Let iN tRuE fALSE", ["#1 LET", "#1 IN", "#1 BOOL_CONST true", "#1 BOOL_CONST false"]),
        ('"abc', ['#1 ERROR "EOF in string constant"']),
        ("(* never closed", ['#1 ERROR "EOF in comment"']),
        (
            "a<=b=>c<-d",
            [
                "#1 OBJECTID a",
                "#1 LE",
                "#1 OBJECTID b",
                "#1 DARROW",
                "#1 OBJECTID c",
                "#1 ASSIGN",
                "#1 OBJECTID d",
            ],
        ),
        ("(*\n(*\n*)\n*)\nX", ["#5 TYPEID X"]),
        ('"multi\\\nline" Ok', ['#2 STR_CONST "multi\\nline"', "#2 TYPEID Ok"]),
        ('"' + "x" * 1024 + '"', ['#1 ERROR "String constant too long"']),
    ],
)
def test_cool_small_inputs(talk, text, tokens, tmp_path):
    path = tmp_path / "input.cool"
    path.write_bytes(text.encode("latin-1"))
    assert cool_lexer.lex_file(path, talk) == tokens


def test_cool_lexer_reuse_and_repetition(talk):
    lexer = cool_lexer.Lexer(talk)
    source = cool_lexer.HELLO.read_text()
    once = lexer.lex(source)
    assert lexer.lex(source) == once
    assert len(lexer.lex(source * 20)) == 20 * len(once)


@pytest.mark.parametrize("name", ["brainfuck", "cool_lexer"])
def test_examples_run_as_scripts(name):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert ("Hello World!" in done.stdout) if name == "brainfuck" else ("#2 CLASS" in done.stdout)
