"""The engine examples as workloads, each on the pure and the compiled implementation in one run:
the Brainfuck interpreter on hello.bf (parse into a graph, then run it) and the COOL lexer on
hello.cool repeated to about 100 KB (tokens per second in the report).

The original graph-talk on CPython 3.11 (semantics file §17): about 40 ms for hello.bf and about
390 µs per COOL token; ``original_us`` in ``extra_info`` lets ``benchmarks/report.py`` show the
ratios against them.
"""

from __future__ import annotations

import importlib.util
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
    benchmark.extra_info.update(
        impl=engine_kind, workload=benchmark.group, original_us=40_000.0, unit="run", units=1
    )
    output = benchmark(interpreter, "new", {"text": program, "test": True})
    assert output == "Hello World!\n"


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
        original_us=390.0,
        unit="token",
        units=tokens,
        bytes=len(cool_source),
    )
    result = benchmark.pedantic(lexer.lex, args=(cool_source,), rounds=3, iterations=1)
    assert len(result) == tokens
