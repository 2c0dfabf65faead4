"""hello.bf N times, for counting instructions with callgrind (docs/engine.md, "Where the time
goes: hello.bf"): ``python benchmarks/hello_instructions.py KIND MODE N [--no-gc]``.

KIND: ``compiled`` or ``pure`` (the engine), or ``plain``: the example's own code without the
engine (its parser actions called in the order the parser calls them, on a stub that only keeps
the blocks, then a plain loop running the recorded steps: the same Step/Machine calls).
MODE: ``whole`` (parse + build + run, as benchmarks/test_bench_examples.py) or ``run`` (the walk
of a program graph built once). The process exits right after the N runs (no interpreter
shutdown), so N runs minus 0 runs counts the runs alone::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/hello_instructions.py compiled whole 100 --no-gc   # and N=0
"""

from __future__ import annotations

import gc
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import brainfuck

#: The tokens the parser graph tells apart (whitespace and other characters are skipped here).
TOKEN = re.compile(r"\++|-+|>+|<+|[.,\[\]]|\s+|[\s\S]")


class _Block:
    __slots__ = ("items",)

    def __init__(self, name):
        self.items = []


class _Stub:
    """The three engine names BFInterpreter's actions use, keeping only the blocks."""

    ComplexNotion = _Block

    @staticmethod
    def ActionRelation(block, obj, action):
        block.items.append(action)

    @staticmethod
    def LoopRelation(block, body, condition):
        block.items.append((condition, body))


class Plain(brainfuck.BFInterpreter):
    """BFInterpreter's own code on the stub: a regex tokenizer calls its actions."""

    def __init__(self):
        self.talk = _Stub
        self.starts = []
        self.error = None
        self.actions = {"+": self._add, "-": self._sub, ">": self._right, "<": self._left,
                        ".": self._output, ",": self._input, "[": self._open, "]": self._close}

    def _parse(self, program):
        self.starts = []
        self.error = None
        for match in TOKEN.finditer(program):
            token = match.group()
            action = self.actions.get(token[0])
            if action is None:
                continue
            if token[0] in "+-<>":
                action(token)
            elif token[0] in "[]":
                action(match.end())
            else:
                action()

    def __call__(self, *message):
        request = message[-1]
        machine = brainfuck.Machine("", raw=False)
        _run(self.compile(request.get("text", ""), machine))
        return "".join(machine.out)


def _run(block):
    for item in block.items:
        if type(item) is tuple:
            condition, body = item
            while condition():
                _run(body)
        else:
            item()


def main(argv):
    kind, mode, n = argv[0], argv[1], int(argv[2])
    program = brainfuck.HELLO.read_text()
    if kind == "plain":
        interpreter = Plain()
    else:
        import chatexchange.talk

        interpreter = brainfuck.BFInterpreter(chatexchange.talk.implementation(kind))
    if mode == "whole":
        def once():
            return interpreter("new", {"text": program, "test": True})
    else:
        machine = brainfuck.Machine("")
        built = interpreter.compile(program, machine)

        def once():
            machine.mem[:] = bytes(len(machine.mem))
            machine.i = 0
            machine.out = []
            if kind == "plain":
                _run(built)
            else:
                interpreter.running("new", built)
            return "".join(machine.out)

    for _ in range(2):  # warm-up: caches, first allocations
        assert once() == "Hello World!\n"
    if "--no-gc" in argv:
        gc.disable()
    for _ in range(n):
        once()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
