"""Walks of the engine as workloads, each on the pure and the compiled implementation in one run:
the Brainfuck interpreter on hello.bf (parse into a graph, then run it), the COOL lexer on
hello.cool repeated to about 100 KB, and a lexer walk (a ParsingProcess over a ``*`` loop of a
23-way SelectiveNotion whose cases' actions count tokens) with its same-run baseline, the
master-regex tokenizer a user would write instead (one alternation, ``match`` at each position,
the same action per token).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import chatexchange.talk

from .conftest import engine_module

ROOT = Path(__file__).resolve().parents[1]


def _example(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


brainfuck = _example("brainfuck")
cool_lexer = _example("cool_lexer")


def _engine(kind):
    engine_module(kind, "process")  # skips the compiled run when it is not built
    return chatexchange.talk.implementation(kind)


def test_brainfuck_hello(benchmark, engine_kind):
    talk = _engine(engine_kind)
    interpreter = brainfuck.BFInterpreter(talk)
    program = brainfuck.HELLO.read_text()
    benchmark.group = "brainfuck hello.bf"
    benchmark.extra_info.update(impl=engine_kind, workload=benchmark.group, unit="run", units=1)
    output = benchmark(interpreter, "new", {"text": program, "test": True})
    assert output == "Hello World!\n"


def test_brainfuck_hello_run_only(benchmark, engine_kind):
    """The walk of hello.bf's program graph alone (built once, outside the timing): most of a
    whole hello.bf run above is parsing the program and building that graph."""
    talk = _engine(engine_kind)
    interpreter = brainfuck.BFInterpreter(talk)
    machine = brainfuck.Machine("")
    program = interpreter.compile(brainfuck.HELLO.read_text(), machine)

    def run():
        machine.mem[:] = bytes(len(machine.mem))
        machine.i = 0
        machine.out = []
        interpreter.running("new", program)
        return "".join(machine.out)

    benchmark.group = "brainfuck hello.bf run only"
    benchmark.extra_info.update(impl=engine_kind, workload=benchmark.group, unit="run", units=1)
    assert benchmark(run) == "Hello World!\n"


@pytest.fixture(scope="module")
def cool_source():
    hello = cool_lexer.HELLO.read_text()
    return hello * (100_000 // len(hello))


def test_cool_lexer_100kb(benchmark, engine_kind, cool_source):
    talk = _engine(engine_kind)
    lexer = cool_lexer.Lexer(talk)
    tokens = len(lexer.lex(cool_source))
    benchmark.group = "cool lexer 100 KB"
    benchmark.extra_info.update(
        impl=engine_kind,
        workload=benchmark.group,
        unit="token",
        units=tokens,
        bytes=len(cool_source),
    )
    result = benchmark.pedantic(lexer.lex, args=(cool_source,), rounds=3, iterations=1)
    assert len(result) == tokens


# -- the lexer walk and its master regex --------------------------------------------------------

#: 23 token cases: 4 regexes, then 19 operators (longest match wins in the SelectiveNotion).
WALK_REGEXES = (r"[ \t]+", r"\n", r"[0-9]+", r"[A-Za-z_][A-Za-z0-9_]*")
WALK_OPERATORS = (
    "==",
    "!=",
    "<=",
    ">=",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
)
WALK_LINES = (
    "while (count1 <= 42) { total = total + count1 * 3; items[count1] = total - 7; }\n"
    "if (a != b) { f(a, b); }\n"
)
WALK_SOURCE = WALK_LINES * 100


class Counter:
    def __init__(self):
        self.count = 0

    def tick(self):
        self.count += 1


def walk_graph(talk, counter):
    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    token = builder.current
    cases = [re.compile(p) for p in WALK_REGEXES] + list(WALK_OPERATORS)
    for i, condition in enumerate(cases):
        builder.set_current(token)
        builder.parse_rel(condition)
        builder.act(f"case {i}", counter.tick)
    return builder.graph


def master_regex_tokenizer(counter):
    """The hand-written lexer: one master regex (operators longest first), the action per token."""
    operators = sorted(WALK_OPERATORS, key=len, reverse=True)
    master = re.compile("|".join([*WALK_REGEXES, *map(re.escape, operators)]))

    def lex(text):
        match = master.match
        tick = counter.tick
        pos = 0
        end = len(text)
        while pos < end:
            found = match(text, pos)
            if found is None:
                raise ValueError(f"no token at {pos}")
            tick()
            pos = found.end()

    return lex


def _walk_tokens():
    counter = Counter()
    master_regex_tokenizer(counter)(WALK_SOURCE)
    return counter.count


def test_lexer_walk(benchmark, engine_kind):
    talk = _engine(engine_kind)
    counter = Counter()
    graph = walk_graph(talk, counter)
    process = talk.ParsingProcess()
    tokens = _walk_tokens()

    def walk():
        counter.count = 0
        process("new", graph, text=WALK_SOURCE)
        return counter.count

    assert walk() == tokens and process.is_parsed()
    benchmark.group = "lexer walk 23 cases"
    benchmark.extra_info.update(
        impl=engine_kind, workload=benchmark.group, unit="token", units=tokens
    )
    assert benchmark.pedantic(walk, rounds=5, iterations=1) == tokens


def test_lexer_walk_master_regex(benchmark):
    counter = Counter()
    lex = master_regex_tokenizer(counter)
    tokens = _walk_tokens()
    benchmark.group = "lexer walk 23 cases"
    benchmark.extra_info.update(
        impl="baseline", workload=benchmark.group, unit="token", units=tokens
    )
    benchmark(lex, WALK_SOURCE)
