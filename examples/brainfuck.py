"""A Brainfuck interpreter on the talk engine (the graph-talk guide's "In Action" design).

Two graphs. A *parser* graph (a loop over a selective notion of parsing relations) reads the program
with a ParsingProcess; its actions build a *program* graph: a complex notion per block, with an
action relation per run of commands and a LoopRelation (its condition: "the current cell is not
zero") per ``[...]``. A StatefulProcess then walks the program graph, which runs the program.

Run: ``python examples/brainfuck.py [program.bf] [-c]`` (default: the bundled hello.bf; ``-c``
prints the program translated to Python instead of running it).
Use: ``BFInterpreter()("new", {"text": program, "test": input})`` returns the output;
``run(program)`` returns the raw output; ``BFConverter()(program)`` returns Python source.
"""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

HELLO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "talk" / "hello.bf"
_PRINTABLE = frozenset(string.printable)


def _engine(talk):
    if talk is None:
        import chatexchange.talk as talk
    return talk


#: The parser's token per command: runs of '+', '-', '>' and '<' are one token each.
TOKENS = (
    ("+", re.compile(r"\++")),
    ("-", re.compile(r"-+")),
    (">", re.compile(r">+")),
    ("<", re.compile(r"<+")),
    (".", "."),
    (",", ","),
    ("[", "["),
    ("]", "]"),
)
NAMES = {"+": "add", "-": "sub", ">": "right", "<": "left", ".": "output", ",": "input",
         "[": "open", "]": "close"}


def parser_graph(talk, actions, unknown):
    """The parser graph: a ``'*'`` loop over a selective notion with a parsing relation per
    command token to an action notion running ``actions[command]``, whitespace skipped, and a
    default case for any other character, running ``unknown``."""
    b = talk.GraphBuilder("program")
    b.loop_rel("*").select("command")
    command = b.current
    for token, condition in TOKENS:
        b.set_current(command)
        b.parse_rel(condition).act(NAMES[token], actions[token])
    b.set_current(command)
    b.parse_rel(re.compile(r"\s+"))
    b.set_current(command)
    b.parse_rel(re.compile(r"[\s\S]")).default().act("unknown", unknown)
    return b.graph


class Machine:
    """The tape, the pointer, the input and the output of one run."""

    def __init__(self, data="", raw=False):
        self.mem = bytearray(30000)
        self.i = 0
        self.data = data if isinstance(data, str) else ""
        self.pos = 0
        self.raw = raw
        self.out = []

    def nonzero(self):
        return self.mem[self.i] != 0

    def write(self):
        c = chr(self.mem[self.i])
        self.out.append(c if self.raw or c in _PRINTABLE else f"({ord(c)})")

    def read(self):
        if self.pos < len(self.data):
            self.mem[self.i] = ord(self.data[self.pos]) & 0xFF
            self.pos += 1
        else:
            self.mem[self.i] = 0


class Step:
    """A run of '+'/'-' (add) or '>'/'<' (move) of one program, as a bound method action."""

    __slots__ = ("machine", "n")

    def __init__(self, machine, n):
        self.machine = machine
        self.n = n

    def add(self):
        machine = self.machine
        machine.mem[machine.i] = (machine.mem[machine.i] + self.n) & 0xFF

    def move(self):
        self.machine.i += self.n


class BFError(Exception):
    """A program that cannot be parsed (the message says why and where)."""


class ProgramParser:
    """What the interpreter and the converter share: the parser graph with their actions, walked
    by a reusable ParsingProcess ('new' starts afresh), the open loops and the first error."""

    def __init__(self, talk, actions):
        self.talk = _engine(talk)
        self.parser = parser_graph(self.talk, actions, self._unknown)
        self.parsing = self.talk.ParsingProcess()
        self.starts = []
        self.error = None

    def _no_loop_start(self, parsed_length):
        self.error = f"End loop without start at position {parsed_length}"
        return "stop"

    def _unknown(self, last_parsed, parsed_length):
        self.error = f'Unknown char "{last_parsed}" at the position {parsed_length}'
        return "stop"

    def _parse(self, program):
        """Run the actions over ``program``, or raise BFError."""
        self.starts = []
        self.error = None
        self.parsing("new", self.parser, text=program)
        if self.error is None and self.starts:
            self.error = f"Start loop without end at the position {self.starts[0]}"
        if self.error is not None:
            raise BFError(self.error)


class BFInterpreter(ProgramParser):
    """Parse a program into a graph, then walk it.

    ``interpreter("new", {"text": program, "test": data})`` runs ``program`` with ``data`` as its
    input (``True``: no input) and returns the output, or the parse error's message.
    """

    def __init__(self, talk=None):
        super().__init__(
            talk,
            {
                "+": self._add,
                "-": self._sub,
                ">": self._right,
                "<": self._left,
                ".": self._output,
                ",": self._input,
                "[": self._open,
                "]": self._close,
            },
        )
        self.running = self.talk.StatefulProcess()

    # -- parsing ------------------------------------------------------------------------------

    def _emit(self, action):
        # The command runs on the edge: an ActionRelation of the current block.
        self.talk.ActionRelation(self.blocks[-1], None, action)

    def _add(self, last_parsed):
        self._emit(Step(self.machine, len(last_parsed)).add)

    def _sub(self, last_parsed):
        self._emit(Step(self.machine, -len(last_parsed)).add)

    def _right(self, last_parsed):
        self._emit(Step(self.machine, len(last_parsed)).move)

    def _left(self, last_parsed):
        self._emit(Step(self.machine, -len(last_parsed)).move)

    def _output(self):
        self._emit(self.machine.write)

    def _input(self):
        self._emit(self.machine.read)

    def _open(self, parsed_length):
        t = self.talk
        body = t.ComplexNotion("loop")
        t.LoopRelation(self.blocks[-1], body, self.machine.nonzero)
        self.blocks.append(body)
        self.starts.append(parsed_length)

    def _close(self, parsed_length):
        if len(self.blocks) == 1:
            return self._no_loop_start(parsed_length)
        self.blocks.pop()
        self.starts.pop()
        return None

    def compile(self, program, machine):
        """The program graph of ``program`` (its root), or BFError."""
        self.machine = machine
        self.blocks = [self.talk.ComplexNotion("main")]
        self._parse(program)
        return self.blocks[0]

    # -- running ------------------------------------------------------------------------------
    def __call__(self, *message):
        request = message[-1] if message else {}
        data = request.get("test", "")
        machine = Machine(data if isinstance(data, str) else "", raw=False)
        try:
            program = self.compile(request.get("text", ""), machine)
        except BFError as exc:
            return str(exc)
        self.running("new", program)
        return "".join(machine.out)


class BFConverter(ProgramParser):
    """Translate a program into Python source with the same parser graph (the original's
    converter, whose output the cases file pins line by line).

    ``converter(program)`` returns the source; executing it runs the program on stdin/stdout.
    Cells are a ``bytearray``, as in the original's output: a converted program that takes a
    cell below 0 or above 255 raises ValueError (the interpreter wraps around).
    """

    HEADER = ("import sys", "i, mem = 0, bytearray(30000)", "")

    def __init__(self, talk=None):
        super().__init__(
            talk,
            {
                "+": lambda last_parsed: self._line(f"mem[i] += {len(last_parsed)}"),
                "-": lambda last_parsed: self._line(f"mem[i] -= {len(last_parsed)}"),
                ">": lambda last_parsed: self._line(f"i += {len(last_parsed)}"),
                "<": lambda last_parsed: self._line(f"i -= {len(last_parsed)}"),
                ".": lambda: self._line("sys.stdout.write(chr(mem[i]))"),
                ",": lambda: self._line("mem[i] = ord(sys.stdin.read(1) or '\\0')"),
                "[": self._open,
                "]": self._close,
            },
        )
        self.lines = []

    def _line(self, code):
        self.lines.append("    " * len(self.starts) + code)

    def _open(self, parsed_length):
        self.lines.append("")
        self._line("while mem[i]:")
        self.starts.append(parsed_length)

    def _close(self, parsed_length):
        if not self.starts:
            return self._no_loop_start(parsed_length)
        if self.lines[-1].endswith("while mem[i]:"):
            self._line("pass")  # an empty loop body is still valid Python
        self.starts.pop()
        self.lines.extend(("", ""))
        return None

    def __call__(self, program):
        """The Python source of ``program``, or BFError."""
        self.lines = list(self.HEADER)
        self._parse(program)
        return "\n".join(self.lines)


def run(program, data="", talk=None):
    """Run a program and return its raw output (every byte as a character)."""
    interpreter = BFInterpreter(talk)
    machine = Machine(data, raw=True)
    interpreter.running("new", interpreter.compile(program, machine))
    return "".join(machine.out)


def main(argv=None):
    """``brainfuck.py [program.bf] [-c]``: run the program (default: hello.bf), or with ``-c``
    print it translated to Python."""
    argv = sys.argv[1:] if argv is None else argv
    convert = "-c" in argv
    paths = [arg for arg in argv if arg != "-c"]
    path = Path(paths[0]) if paths else HELLO
    try:
        if convert:
            print(BFConverter()(path.read_text()))
        else:
            sys.stdout.write(run(path.read_text()))
    except BFError as exc:
        print(f"brainfuck: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
