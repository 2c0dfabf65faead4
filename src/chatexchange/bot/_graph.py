"""A talk graph as a bot's event: a multi-step command parsed and answered by a ParsingProcess."""

from __future__ import annotations

from typing import Any

from ._engine import default_kind, kind_of

__all__ = ["GraphEvent", "is_graph"]


def _element_types() -> tuple[type, ...]:
    from .. import talk

    types: list[type] = [talk.implementation("pure").Element]
    try:
        types.append(talk.implementation("compiled").Element)
    except ImportError:  # the compiled graph modules are not built
        pass
    return tuple(dict.fromkeys(types))


def is_graph(value: Any) -> bool:
    """Whether ``value`` is a talk element (a notion or a whole graph) to be walked."""
    return isinstance(value, _element_types())


def _process_class(root: Any) -> Any:
    """The ParsingProcess of the implementation ``root`` belongs to (pure or compiled)."""
    from .. import talk

    kind = kind_of(root)
    if not isinstance(root, talk.implementation(kind).Element):  # a user's subclass
        kind = default_kind()
    return talk.implementation(kind).ParsingProcess


class GraphEvent:
    """Walks ``root`` with a ParsingProcess over the text that follows the matched condition.

    Every context value of the message (``message``, ``user``, ``room``, ``memory``...) is in the
    walk's context, plus ``say(text)``: what the walk says is the answer (lines joined). A walk
    that does not parse the whole text answers ``error`` (a string, a callable with context
    mapping, or None for silence) unless it already said something.
    """

    def __init__(
        self,
        root: Any,
        *,
        error: Any = None,
        whole_text: bool = False,
        process_factory: Any = None,
    ) -> None:
        self.root = root
        self.error = error
        self.whole_text = whole_text
        self._factory = process_factory or _process_class(root)
        self._process: Any = None

    def __repr__(self) -> str:
        return f"<GraphEvent {self.root!r}>"

    def _text(self, text: str, matched: Any) -> str:
        if self.whole_text:
            return text
        if isinstance(matched, str) and text.startswith(matched):
            return text[len(matched) :].strip()
        return text

    def __call__(self, *message: Any, **context: Any) -> Any:
        text = message[0] if message and isinstance(message[0], str) else ""
        said: list[str] = []
        walk = {k: v for k, v in context.items() if k not in ("rank", "event", "sender")}
        walk["say"] = lambda line: said.append(str(line))
        walk["text"] = self._text(text, context.get("condition"))
        process = self._process
        if process is None:
            process = self._process = self._factory()
        result = process("new", self.root, **walk)
        if said:
            return "\n".join(said)
        if result is False and self.error is not None:
            if callable(self.error):
                from .. import talk

                return talk.Access(self.error)(*message, **context)
            return self.error
        return None
