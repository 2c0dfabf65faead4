"""A lexer for COOL (the Classroom Object-Oriented Language) on the talk engine.

The graph: a ``*`` LoopRelation over a SelectiveNotion of token cases, each a ParsingRelation (the
longest match wins; an unknown character falls to the default case). Comments nest through a
recursive sub-graph, strings are a loop over chunks and escapes; both end on their closing
delimiter or on the lexer's end-of-file character, chr(255), which the lexer appends itself.

The output is the token stream of the reference COOL lexer: ``#<line> <TOKEN> [<value>]``.

Run: ``python examples/cool_lexer.py [file.cool]`` (default: the bundled hello.cool).
Use: ``lex(text)`` / ``lex_file(path)`` return the lines; ``Lexer(talk)`` keeps the graph for reuse.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HELLO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "talk" / "hello.cool"
EOF = "\xff"
MAX_STRING = 1024

_KEYWORD_NAMES = "class else fi if in inherits isvoid let loop pool then while case esac new of not"
KEYWORDS = {name: name.upper() for name in _KEYWORD_NAMES.split(" ")}
OPERATORS = {"<-": "ASSIGN", "=>": "DARROW", "<=": "LE"}
_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "f": "\f"}
_SHOWN = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _engine(talk):
    if talk is None:
        import chatexchange.talk as talk
    return talk


def show(value: str) -> str:
    """A string as the reference lexer prints it: quoted, with escapes."""
    out = []
    for c in value:
        if c in _SHOWN:
            out.append(_SHOWN[c])
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append(f"\\{ord(c):03o}")
    return '"' + "".join(out) + '"'


class Lexer:
    """The lexer graph, built once; ``lex(text)`` runs a ParsingProcess over it."""

    def __init__(self, talk=None):
        self.talk = _engine(talk)
        self.graph = self._build()
        self.process = self.talk.ParsingProcess()  # reusable: 'new' starts afresh
        self.tokens = []
        self.line = 1

    # -- token output -------------------------------------------------------------------------
    def emit(self, token, value=None):
        if value is None:
            self.tokens.append(f"#{self.line} {token}")
        else:
            self.tokens.append(f"#{self.line} {token} {value}")

    def error(self, message):
        self.emit("ERROR", show(message))

    # -- actions ------------------------------------------------------------------------------
    def newline(self):
        self.line += 1

    def newlines(self, last_parsed):
        self.line += last_parsed.count("\n")

    def integer(self, last_parsed):
        self.emit("INT_CONST", last_parsed)

    def identifier(self, last_parsed):
        word = last_parsed.lower()
        if word in KEYWORDS:
            self.emit(KEYWORDS[word])
        elif word in ("true", "false") and last_parsed[0] in "tf":
            self.emit("BOOL_CONST", word)
        elif last_parsed[0].isupper():
            self.emit("TYPEID", last_parsed)
        else:
            self.emit("OBJECTID", last_parsed)

    def operator(self, last_parsed):
        name = OPERATORS.get(last_parsed)
        self.emit(name if name else f"'{last_parsed}'")

    def unmatched(self):
        self.error("Unmatched *)")

    def invalid(self, last_parsed):
        self.error(last_parsed)

    def string_start(self):
        self.buffer = []
        self.null = False

    def string_chunk(self, last_parsed):
        self.buffer.append(last_parsed)

    def string_escape(self, last_parsed):
        c = last_parsed[1]
        if c == "\n":
            self.line += 1
        elif c == "\x00":
            self.null = True
        self.buffer.append(_ESCAPES.get(c, c))

    def string_null(self):
        self.null = True

    def string_end(self):
        value = "".join(self.buffer)
        if self.null:
            self.error("String contains null character")
        elif len(value) >= MAX_STRING:
            self.error("String constant too long")
        else:
            self.emit("STR_CONST", show(value))

    def string_unterminated(self):
        self.line += 1
        self.error("Unterminated string constant")

    def string_eof(self):
        self.error("EOF in string constant")

    def comment_eof(self):
        self.error("EOF in comment")

    # -- the graph ----------------------------------------------------------------------------
    def _build(self):
        t = self.talk
        b = t.GraphBuilder("COOL program")
        b.loop_rel("*").select("token")
        token = b.current

        def case(condition, name=None, action=None, obj=None, default=False):
            b.set_current(token)
            b.parse_rel(condition, obj)
            if default:
                b.default()
            if action is not None:
                b.act(name, action)

        case(re.compile(r"[ \t\r\f\v]+"))
        case(re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v\n]*"), "newlines", self.newlines)
        case(re.compile(r"[0-9]+"), "integer", self.integer)
        case(re.compile(r"[A-Za-z][A-Za-z0-9_]*"), "identifier", self.identifier)
        case(re.compile(r"<-|=>|<=|[-+*/~<=(){};:.,@]"), "operator", self.operator)
        case(re.compile(r"--[^\n\xff]*"))
        case("*)", "unmatched", self.unmatched)
        case(EOF)
        case('"', obj=self._string_graph(t))
        case("(*", obj=self._comment_graph(t))
        case(re.compile(r"[\s\S]"), "invalid", self.invalid, default=True)
        return b.graph

    def _comment_graph(self, t):
        """After '(*': the body (nested comments recurse) up to '*)' or the end of the file."""
        rest = t.ComplexNotion("comment")
        body = t.SelectiveNotion("comment body")
        t.LoopRelation(rest, body, "*")
        t.ParsingRelation(body, None, re.compile(r"[^(*\n\xff]+|\((?!\*)|\*(?!\))"))
        t.ParsingRelation(body, t.ActionNotion("newline", self.newline), "\n")
        t.ParsingRelation(body, rest, "(*")
        end = t.SelectiveNotion("comment end")
        t.NextRelation(rest, end)
        t.ParsingRelation(end, None, "*)")
        t.ParsingRelation(end, t.ActionNotion("comment eof", self.comment_eof), EOF)
        return rest

    def _string_graph(self, t):
        """After '"': chunks and escapes up to '"', a newline or the end of the file."""
        rest = t.ComplexNotion("string")
        t.NextRelation(rest, t.ActionNotion("string start", self.string_start))
        body = t.SelectiveNotion("string body")
        t.LoopRelation(rest, body, "*")
        t.ParsingRelation(
            body, t.ActionNotion("chunk", self.string_chunk), re.compile(r'[^"\\\n\x00\xff]+')
        )
        t.ParsingRelation(
            body, t.ActionNotion("escape", self.string_escape), re.compile(r"\\[^\xff]")
        )
        t.ParsingRelation(body, t.ActionNotion("null", self.string_null), "\x00")
        end = t.SelectiveNotion("string end")
        t.NextRelation(rest, end)
        t.ParsingRelation(end, t.ActionNotion("string end", self.string_end), '"')
        t.ParsingRelation(end, t.ActionNotion("unterminated", self.string_unterminated), "\n")
        t.ParsingRelation(end, t.ActionNotion("string eof", self.string_eof), EOF)
        return rest

    # -- running ------------------------------------------------------------------------------
    def lex(self, text):
        """The token lines of ``text`` (chr(255) is appended as the end of the file)."""
        self.tokens = []
        self.line = 1
        process = self.process
        process("new", self.graph, text=text + EOF)
        if not process.is_parsed():
            raise ValueError(f"the lexer stopped at line {self.line}: {process.text[:20]!r}")
        return self.tokens


def lex(text, talk=None):
    return Lexer(talk).lex(text)


def lex_file(path, talk=None):
    with open(path, encoding="latin-1", newline="") as f:
        return lex(f.read(), talk)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else HELLO
    name = path.name
    print(f'#name "{name}"')
    for line in lex_file(path):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
