"""The two engine examples end to end, on both implementations (cases file section M)."""

from __future__ import annotations

import importlib.util
import re
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


def test_brainfuck_converter(talk):
    """The converter's Python source, line by line."""
    assert brainfuck.BFConverter(talk)("++[>+<-]>.").splitlines() == [
        "import sys",
        "i, mem = 0, bytearray(30000)",
        "",
        "mem[i] += 2",
        "",
        "while mem[i]:",
        "    i += 1",
        "    mem[i] += 1",
        "    i -= 1",
        "    mem[i] -= 1",
        "",
        "",
        "i += 1",
        "sys.stdout.write(chr(mem[i]))",
    ]


def test_converted_programs_run(talk, capsys, monkeypatch):
    import io

    converter = brainfuck.BFConverter(talk)
    exec(compile(converter(brainfuck.HELLO.read_text()), "hello.py", "exec"), {})
    assert capsys.readouterr().out == "Hello World!\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("ab"))
    # Reads up to the end of the input (then 0), nested loops, an empty loop body.
    exec(compile(converter(",>,>,<<.>.>.>+[-[]]"), "echo.py", "exec"), {})
    assert capsys.readouterr().out == "ab\0"


@pytest.mark.parametrize(
    ("program", "error"),
    [
        ("--]", "End loop without start at position 3"),
        ("+++a", 'Unknown char "a" at the position 4'),
        ("[.[[]", "Start loop without end at the position 1"),
    ],
)
def test_brainfuck_converter_errors(talk, program, error):
    with pytest.raises(brainfuck.BFError, match=re.escape(error)):
        brainfuck.BFConverter(talk)(program)


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


def _script(name, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_examples_run_as_scripts():
    assert _script("brainfuck") == "Hello World!\n"
    assert _script("cool_lexer").splitlines() == ['#name "hello.cool"', *HELLO_TOKENS]
    converted = _script("brainfuck", str(brainfuck.HELLO), "-c")
    done = subprocess.run([sys.executable, "-c", converted], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout == "Hello World!\n"
