"""Graph elements: notions, relations and graphs.

Every element is a Handler that answers the process's question ('next', 'visit', 'error', ...) with
a reply: another element, a tuple of them, or a command for the process. The module also keeps the
machinery that lets a ParsingProcess hand built-in elements the remaining text as an offset into
the source (``TextCursor``) instead of a fresh slice at every token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, TypeVar

try:
    import cython
except ImportError:  # Cython is a build dependency only
    from chatexchange.talk import _cython_shim as cython

from .core import (
    TRUE_CONDITION,
    Abstract,
    Access,
    Condition,
    Event,
    Handler,
    _access_of,
    _condition_of,
    _event_of,
    _literal_chars,
)
from .utils import is_list, is_number, is_string, tupled

try:
    import cython
except ImportError:  # Cython is a build dependency only
    from chatexchange.talk import _cython_shim as cython

if TYPE_CHECKING:
    from typing import TypeAlias

    from .core import Checked, Context, Message, Pair

    #: What an element answers a process: another element, a tuple or list of elements and
    #: commands ('error', {'proceed': n}, 'push_context', ...), None (no answer) or False. The
    #: process reads it by shape at run time; it is a protocol of values, not of one type.
    Reply: TypeAlias = Any

# Names, subjects, objects, actions and conditions of elements are the user's values (a name is
# usually a str, an object another element or any value a relation leads to): typed Any.
_E = TypeVar("_E")

__all__ = [
    "BACKWARD",
    "FORWARD",
    "ActionNotion",
    "ActionRelation",
    "ComplexNotion",
    "Element",
    "Graph",
    "LoopRelation",
    "NextRelation",
    "Notion",
    "ParsingRelation",
    "Relation",
    "SelectiveNotion",
    "TextCursor",
]

#: Questions that move a process forward and backward (Process.FORWARD / Process.BACKWARD).
FORWARD = frozenset({"next"})
BACKWARD = frozenset({"previous", "error", "break", "continue"})

_INFINITY = float("inf")
_NO_HANDLE = (False, -1, None)
#: What Element._reply gives when only handle() with a copy of the context can answer.
_INDIRECT = object()
#: The message of a direct reply (every one answers 'next' only; callees never get the tuple
#: itself, only its items).
_NEXT_MESSAGE = ("next",)
#: SelectiveNotion._selected's answer to a process that consumes text itself: the reply would be
#: ({'proceed': _fold_size}, _fold_object), with a built-in element as the object.
_FOLDED = object()
_NEXT = "next"
_TEXT = "text"
_STATE = "state"
_ITERATION = "i"
# Class constants as module names: a method reads them without an attribute lookup.
_S_CASES = "cases"
_S_NAME = "name"
_S_NEW_VALUE = "new-value"
_S_OBJECT = "object"
_S_OLD_VALUE = "old-value"
_S_OWNER = "owner"
_S_SEP = "_"
_S_SET_PREFIX = "set"
_S_SUBJECT = "subject"
_S_SET_SUBJECT = "set_subject"
_S_VISIT = "visit"
#: The tags of the built-in classes' own pairs (``on``'s ``*tags``).
_NO_TAGS: tuple[Any, ...] = ()
_VALUE_TAGS = ("value",)
#: Properties whose 'set_...' message no pair of a built-in notion answers (see _told_directly).
_UNHEARD = frozenset({"owner", "object", "name", "subject"})
_FUNCTION_TAGS = ("function",)
if TYPE_CHECKING:
    # re's private parser: not a stable API (its stubs do not follow it).
    _sre_constants: Any = None
    _sre_parser: Any = None
else:
    try:  # the regex parser, to find what a pattern looks at before the match start
        from re import _constants as _sre_constants
        from re import _parser as _sre_parser
    except ImportError:  # Python 3.10
        import sre_constants as _sre_constants
        import sre_parse as _sre_parser

_LOOKS_BEHIND = frozenset(
    {
        _sre_constants.AT_BEGINNING,
        _sre_constants.AT_BEGINNING_LINE,
        _sre_constants.AT_BEGINNING_STRING,
        _sre_constants.AT_BOUNDARY,
        _sre_constants.AT_NON_BOUNDARY,
        _sre_constants.AT_LOC_BOUNDARY,
        _sre_constants.AT_LOC_NON_BOUNDARY,
        _sre_constants.AT_UNI_BOUNDARY,
        _sre_constants.AT_UNI_NON_BOUNDARY,
    }
)


def _looks_behind(parsed: Any) -> bool:
    """Whether a parsed regex has an anchor, a word boundary or a lookbehind: then matching at an
    offset of the whole source could differ from matching the remaining text."""
    for op, arg in parsed:
        if op is _sre_constants.AT:
            if arg in _LOOKS_BEHIND:
                return True
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            if arg[0] < 0 or _looks_behind(arg[1]):
                return True
        elif op is _sre_constants.GROUPREF_EXISTS:
            return True
        elif op is _sre_constants.BRANCH:
            if any(_looks_behind(branch) for branch in arg[1]):
                return True
        elif op is _sre_constants.SUBPATTERN:
            if _looks_behind(arg[-1]):
                return True
        elif op in (_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT) or (
            op is getattr(_sre_constants, "POSSESSIVE_REPEAT", None)
        ):
            if _looks_behind(arg[2]):
                return True
        elif op is getattr(_sre_constants, "ATOMIC_GROUP", None) and _looks_behind(arg):
            return True
    return False


_ANY = None  # "any character" in first-character analysis


def _first_of(parsed: Any) -> tuple[set[str] | None, bool]:
    """(first characters, can be empty) of a parsed regex; the set is None when unknown."""
    chars = set()
    for op, arg in parsed:
        first, empty = _first_of_item(op, arg)
        if first is _ANY:
            return _ANY, True
        chars |= first
        if not empty:
            return chars, False
    return chars, True


def _first_of_item(op: Any, arg: Any) -> tuple[set[str] | None, bool]:
    c = _sre_constants
    if op is c.LITERAL:
        return {chr(arg)}, False
    if op is c.IN:
        chars = set()
        for item_op, item_arg in arg:
            if item_op is c.LITERAL:
                chars.add(chr(item_arg))
            elif item_op is c.RANGE and item_arg[1] - item_arg[0] < 512:
                chars.update(chr(i) for i in range(item_arg[0], item_arg[1] + 1))
            else:
                return _ANY, True
        return chars, False
    if op is c.BRANCH:
        chars = set()
        empty = False
        for branch in arg[1]:
            first, branch_empty = _first_of(branch)
            if first is _ANY:
                return _ANY, True
            chars |= first
            empty = empty or branch_empty
        return chars, empty
    if op is c.SUBPATTERN:
        return _first_of(arg[-1])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) or op is getattr(c, "POSSESSIVE_REPEAT", None):
        first, empty = _first_of(arg[2])
        return first, empty or arg[0] == 0
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _first_of(arg)
    if op in (c.ASSERT, c.ASSERT_NOT) and arg[0] >= 0:
        return set(), True  # a lookahead consumes nothing
    return _ANY, True


def _first_chars(value: Any, options: dict[str, Any]) -> frozenset[str] | None:
    """The characters a match of Condition(value, **options) at an offset must start with, or None
    (unknown, or it can match the empty string)."""
    if options.get("search") or options.get("ignore_case"):
        return None
    if is_list(value):
        chars: set[str] = set()
        for item in value:
            first: AbstractSet[str] | None = _first_chars(item, options)
            if first is None:
                return None
            chars |= first
        return frozenset(chars)
    if is_string(value):
        return frozenset(value[0]) if value else None
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        if value.flags & re.IGNORECASE:
            return None
        try:
            first, empty = _first_of(_sre_parser.parse(value.pattern, value.flags))
        except Exception:
            return None
        if first is _ANY or empty:
            return None
        return frozenset(first)
    if value is None or is_number(value) or type(value) is bool or type(value) is dict:
        return frozenset()  # never equal to a string
    return None


#: The one-character items a first-character test can decide (each matches one character).
_ONE_CHAR_OPS = frozenset({_sre_constants.LITERAL, _sre_constants.NOT_LITERAL, _sre_constants.IN,
                           _sre_constants.ANY})


def _first_test(value: Any, options: dict[str, Any]) -> Any:
    """For a Condition(value, **options) whose first characters are not a small known set
    (``_first_chars`` gives None): a test of one character, true when a match at an offset can
    start with it, when one is known; else None. Known for a ``str`` regex (match mode) that is
    one class of one character (``\\s``, ``[^"]``), or a repeat of it at least once (``\\s+``,
    ``\\w{1,9}``): its match starts with a character of the class, so the regex itself, matching
    the whole one-character string, is the test (case folding and every flag included)."""
    if options.get("search") or options.get("ignore_case"):
        return None
    if not isinstance(value, re.Pattern) or not isinstance(value.pattern, str):
        return None
    try:
        parsed = list(_sre_parser.parse(value.pattern, value.flags))
    except Exception:
        return None
    if len(parsed) != 1:
        return None
    op, arg = parsed[0]
    if op is _sre_constants.MAX_REPEAT or op is _sre_constants.MIN_REPEAT:
        body = list(arg[2])
        if arg[0] != 1 or len(body) != 1:
            return None  # (a repeat of at least two matches no one-character string)
        op = body[0][0]
    if op not in _ONE_CHAR_OPS:
        return None
    return value.fullmatch


def _offset_safe(pattern: re.Pattern[Any]) -> bool:
    if not isinstance(pattern.pattern, str):
        return False
    try:
        return not _looks_behind(_sre_parser.parse(pattern.pattern, pattern.flags))
    except Exception:
        return False


class TextCursor:
    """The remaining text of a parse as (source, pos): what a ParsingProcess passes as 'text' to
    built-in elements, which match at the offset instead of slicing. Anything else that could read
    the text gets the real slice (``str(cursor)``)."""

    __slots__ = ("pos", "source")

    def __init__(self, source: str, pos: int) -> None:
        self.source = source
        self.pos = pos

    def __str__(self) -> str:
        return self.source[self.pos :]

    def __len__(self) -> int:
        return len(self.source) - self.pos

    def __repr__(self) -> str:
        return f"TextCursor({self.source[self.pos : self.pos + 20]!r}..., pos={self.pos})"


def _access_reads_text(access: Access | None) -> bool:
    """Whether calling ``access`` with a context could look at its 'text' key."""
    if access is None:
        return False
    mode = access.mode
    if mode == "value":
        return False
    if mode != "function":
        return True
    spec = access.spec
    if spec.keywords:
        return True
    if spec.varargs:
        return False  # f(*message): the context is dropped
    return _TEXT in spec.args or _TEXT in spec.kwonlyargs


_reads_cache: dict[int, tuple[Access, bool]] = {}


def _reads_text_cached(access: Access) -> bool:
    """_access_reads_text, remembered per Access object (its value never changes)."""
    key = id(access)
    found = _reads_cache.get(key)
    if found is None or found[0] is not access:
        if len(_reads_cache) > 4096:
            _reads_cache.clear()
        found = _reads_cache[key] = (access, _access_reads_text(access))
    return found[1]


def _event_reads_text(event: Event | None) -> bool:
    if event is None:
        return False
    if event.pre_event is not None or event.post_event is not None:
        return True
    return _access_reads_text(event)


def _looping(context: Context) -> bool:
    """Whether a loop relation's state says it is looping (LoopRelation.is_looping)."""
    return _state_looping(context.get(_STATE))


def _state_looping(state: Any) -> bool:
    """_looping of a context whose 'state' is ``state`` (None: no such key)."""
    try:
        return bool(state) and _ITERATION in state
    except TypeError:
        return False


def _materialize(context: Context) -> None:
    text = context.get(_TEXT)
    if type(text) is TextCursor:
        context[_TEXT] = text.source[text.pos :]


class Element(Handler):
    """A Handler that belongs to a graph (its owner) and answers the process's questions."""

    SET_PREFIX = "set"
    SEP = "_"
    OWNER = "owner"
    NAME = "name"
    OLD_VALUE = "old-value"
    NEW_VALUE = "new-value"

    def __init__(self, owner: Element | None = None) -> None:
        self._init_element(owner)

    def _init_element(self, owner: Element | None) -> None:
        """What the constructor does. The subclasses' constructors call these ``_init_*`` steps
        (C-level calls in the compiled engine) rather than their base's ``__init__``.

        An instance of exactly a built-in class (``_cursor_type``, decided here first) has
        nothing that overrides a registration or a property setter: its constructors register
        their own pairs and set their properties directly (``_own``, ``_change``), with the same
        result; a subclass's instance goes through ``on``/``on_forward``/... and the setters.
        """
        Handler._setup_handler(self)
        self._builtin_count = 0
        # Custom (the generic selection) until a built-in class's constructor seals its events.
        self._custom = True
        self._direct_type = False
        self._cursor_type = type(self) in _CURSOR_TYPES
        self._seal_pairs: tuple[Pair, ...] = ()
        self._owner = None
        if owner is not None or not self._cursor_type:
            self.owner = owner  # (a built-in element's owner None is None already: no change)

    def _own(self, condition: Any, event: Any, tags: tuple[Any, ...]) -> None:
        """``on(condition, event, *tags)`` in the constructor of an exact built-in class: its
        own pairs are all different, so the pair is added as ``on_access`` would add it (no
        constructor makes a plan before its last pair but LoopRelation's, which makes the plan
        again after them)."""
        self._events.append((_condition_of(condition, tags), _event_of(event)))

    def _own_pairs(self) -> None:
        """Register (``_own``) the pairs this class's constructor registers for an instance of
        exactly this class, in their order; each class adds its own to its base's."""

    def _build_own(self) -> None:
        """Build the own pairs of a lazy element (see ``_sealed``): what its constructor would
        have registered, sealed as it would have sealed them."""
        self._lazy = False
        self._events = []
        self._own_pairs()
        self._seal_pairs = tuple(self._events)

    # -- property-change protocol -------------------------------------------------------------
    @staticmethod
    def add_prefix(name: str, prefix: str) -> str:
        """'owner' -> 'set_owner'; a name that already starts with the prefix is kept."""
        return _add_prefix(name, prefix)

    def change_property(self, name: str, value: Any) -> bool | None:
        """Set ``name`` to ``value``, telling the old value (before) and the new one (after)."""
        return self._change(name, getattr(self, name), value, False)

    def _change(self, name: str, old: Any, value: Any, fresh: bool) -> bool | None:
        """change_property once the old value is read. ``fresh``: this is a relation whose
        constructor runs for the first time (it is in no notion's relations list yet)."""
        if old == value:
            return None
        if old and isinstance(old, Abstract) and not _told_directly(
            old, name, self, old, value, False
        ):
            _tell(old, name, self, old, value)
        self._store_property(name, value)
        if value and isinstance(value, Abstract) and not _told_directly(
            value, name, self, old, value, fresh
        ):
            _tell(value, name, self, old, value)
        return True

    def _store_property(self, name: str, value: Any) -> None:
        if name == _S_OWNER:
            self._owner = value
        else:
            setattr(self, "_" + name, value)

    @property
    def owner(self) -> Element | None:
        return self._owner

    @owner.setter
    def owner(self, value: Element | None) -> None:
        self.change_property(_S_OWNER, value)

    # -- directions -----------------------------------------------------------------------------
    @staticmethod
    def is_forward(message: Message) -> Message | bool:
        if not message:
            return message
        try:
            return message[0] in FORWARD
        except TypeError:
            return False

    @staticmethod
    def is_backward(message: Message) -> Message | bool:
        if not message:
            return message
        try:
            return message[0] in BACKWARD
        except TypeError:
            return False

    def can_go_forward(self, *message: Any, **context: Any) -> Message | bool:
        return self.is_forward(message)

    def can_go_backward(self, *message: Any, **context: Any) -> Message | bool:
        return self.is_backward(message)

    def on_forward(self, event: Any) -> None:
        self.on(self.can_go_forward, event)

    def off_forward(self) -> None:
        self.off_condition(self.can_go_forward)

    def on_backward(self, event: Any) -> None:
        self.on(self.can_go_backward, event)

    def off_backward(self) -> None:
        self.off_condition(self.can_go_backward)

    def on_visit(self, event: Any) -> None:
        self.on("visit", event)

    def off_visit(self) -> None:
        self.off_condition("visit")

    # -- the text-cursor contract -------------------------------------------------------------
    def _sealed(self) -> None:
        """Mark the events registered so far as this class's own; later ones are the user's.

        An instance of exactly a built-in class registers its own pairs here. Those of
        ``_LAZY_COUNTS`` (the pairs are all the class's bound methods) leave them out: ``_lazy``
        until something needs the pairs themselves (``events``, any registration, the generic
        ``handle``), which builds them as they would be now (``_build_own``); until then the
        engine's direct paths treat them as the class's own pairs, untouched. An element then
        keeps no pair, Condition, Event or bound method of its own (fewer objects for the
        cycle collector: a graph is cyclic)."""
        self._custom = False
        # The class, decided once: a built-in one answers by its direct dispatch (_DIRECT_TYPES)
        # and takes the text as an offset (_CURSOR_TYPES); a subclass does neither. (One lookup
        # of the class's record in _SEAL_KINDS.)
        kinds = _SEAL_KINDS.get(type(self))
        if kinds is None:
            kinds = _NOT_BUILTIN
        self._direct_type = kinds[0]
        self._cursor_type = kinds[1]
        if self._cursor_type:
            count = kinds[2]
            if count >= 0 and not self._events:
                self._lazy = True
                self._events = None  # type: ignore[assignment]
                self._builtin_count = count
                self._seal_pairs = ()
                # The plan the constructor would have made is made on first need, for these tags.
                self._plan_tags = self._tags
            else:
                self._own_pairs()
        if not self._lazy:
            self._builtin_count = len(self._events)
            self._seal_pairs = tuple(self._events)
        # (The fields behind ``tags`` and ``unknown_event``: what _untouched compares.)
        self._seal_tags = self._tags
        self._seal_unknown = self._unknown_event

    # Registration through any of these after construction makes the element "custom": it then
    # always takes the generic Handler selection.
    def on_access(self, condition: Condition, event: Event) -> None:
        Handler.on_access(self, condition, event)
        self._custom = True

    def off(self, condition: Any, event: Any) -> None:
        Handler.off(self, condition, event)
        self._custom = True

    def off_condition(self, condition: Any) -> None:
        Handler.off_condition(self, condition)
        self._custom = True

    def off_event(self, event: Any) -> None:
        Handler.off_event(self, event)
        self._custom = True

    def clear_events(self) -> None:
        Handler.clear_events(self)
        self._custom = True

    def _untouched(self) -> bool:
        """True while this is exactly a built-in class with its own events, tags and unknown event:
        then ``handle`` may answer by the class's direct dispatch (``_dispatch``), which gives what
        the generic selection would."""
        return (
            not self._custom
            and self._direct_type
            and self._tags is self._seal_tags
            and self._unknown_event is self._seal_unknown
        )

    def reads_text(self) -> bool:
        """Whether answering could look at the context's 'text' (then a TextCursor is turned into
        the real remaining text first). Built-in elements with their own events say no."""
        return self._more_pairs() or self.unknown_event is not None

    def _more_pairs(self) -> bool:
        """Whether the live pairs are not as many as the class's own (never while lazy)."""
        return not self._lazy and len(self._events) != self._builtin_count

    def handle(self, message: Message, context: Context) -> tuple[Any, ...]:
        if type(context) is dict and message and type(message[0]) is str and self._untouched():
            if "sender" not in context:
                context["sender"] = self
            answer = self._dispatch(message, context)
            if answer is not None:
                return answer
        text = context.get(_TEXT)
        if type(text) is TextCursor and self.reads_text():
            context[_TEXT] = text.source[text.pos :]
        return Handler.handle(self, message, context)

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        """The direct dispatch of a built-in class for a string first item; None: use the generic
        selection."""
        return None

    def _only_own_pairs(self) -> bool:
        """Whether the live ``events`` list holds the pairs the class registered, and no
        other."""
        if self._lazy:
            return True
        events = self._events
        seal = self._seal_pairs
        n = len(seal)
        if len(events) != n:
            return False
        return all(events[i] is seal[i] for i in range(n))

    def _own_event(self, index: int) -> bool:
        """Whether pair ``index`` is still the one the class registered (the live ``events`` list
        may have been changed directly) and its event has no pre/post events: then the class's
        own code can stand in for it. Always so for a pair not built yet (``_lazy``)."""
        if self._lazy:
            return index < self._builtin_count
        events = self._events
        seal = self._seal_pairs
        if index >= len(events) or index >= len(seal):
            return False
        pair = events[index]
        if pair is not seal[index]:
            return False
        event = pair[1]
        return event.pre_event is None and event.post_event is None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        """What ``self.handle((query,), copy)[0]`` gives a process, where ``copy`` is a copy of the
        process's ``context`` (with ``cursor`` as its 'text' when that is not None), computed
        without the copy: only where no code that runs could see a difference (an untouched
        built-in element, events without pre/post events, user callables that see no dict and
        read none of the keys ``handle`` writes). ``state`` is what the context's 'state' holds
        (None: none); ``bare``: the context has no 'state' key now (the process passes the
        element's state here instead of writing it), so user code that could read that key is
        not run here. ``_INDIRECT`` otherwise: then the caller makes the copy (with 'state')
        and calls ``handle``."""
        return _INDIRECT

    def _answer(self, index: int, message: Message, context: Context, rank: float,
                condition: Any) -> tuple[Any, float, Any]:
        """Run the event of pair ``index`` as Handler.handle would. Unbuilt pairs are built here
        (once): running the event needs its Event, and an element answered this way is usually
        answered again (a throwaway Event per call would cost more after a few calls)."""
        event = self._pairs()[index][1]
        context["rank"] = rank
        context["condition"] = condition
        context["event"] = event._value
        answer = event.run(message, context)
        return (answer[0], rank, answer[1])


class Notion(Element):
    """A named leaf of the graph; a plain notion answers nothing (the process passes it over)."""

    def __init__(self, name: Any, owner: Element | None = None) -> None:
        self._init_notion(name, owner)

    def _init_notion(self, name: Any, owner: Element | None) -> None:
        self._name = None
        Element._init_element(self, owner)
        if self._cursor_type:
            self._change(_S_NAME, None, name, False)
        else:
            self.name = name
        if type(self) is Notion or not self._cursor_type:
            self._sealed()  # (an exact class seals once, at its own end)

    def _store_property(self, name: str, value: Any) -> None:
        if name == _S_NAME:
            self._name = value
        else:
            Element._store_property(self, name, value)

    @property
    def name(self) -> Any:
        return self._name

    @name.setter
    def name(self, value: Any) -> None:
        self.change_property(_S_NAME, value)

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        if type(self) is Notion:
            return _NO_HANDLE
        return None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        if type(self) is Notion and type(query) is str and self._untouched():
            return False
        return _INDIRECT

    def __str__(self) -> str:
        return f'"{self._name}"'

    def __repr__(self) -> str:
        if self._owner:
            return f'<{type(self).__name__}("{self._name}", {self._owner})>'
        return f'<{type(self).__name__}("{self._name}")>'


class ActionNotion(Notion):
    """A notion that runs an action (a value or a context-mapped function) when passed."""

    def __init__(self, name: Any, action: Any, owner: Element | None = None) -> None:
        Notion._init_notion(self, name, owner)
        if self._cursor_type:
            self._own(self.can_go_forward, action, _NO_TAGS)
        else:
            self.on_forward(action)
        self._sealed()

    @property
    def action(self) -> Event | None:
        events = self.get_events(self.can_go_forward)
        return events[0] if events else None

    @action.setter
    def action(self, value: Any) -> None:
        custom = self._custom
        self.off_forward()
        self.on_forward(value)
        self._custom = custom

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        events = self._events  # (an ActionNotion is never lazy)
        if message[0] == "next" and len(events) == 1:
            text = context.get(_TEXT)
            if type(text) is TextCursor:
                event = events[0][1]
                if (
                    event.pre_event is not None
                    or event.post_event is not None
                    or _reads_text_cached(event)
                ):
                    cursor = text
                    context[_TEXT] = cursor.source[cursor.pos :]
            return self._answer(0, message, context, 0, True)
        return None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        events = self._events  # (an ActionNotion is never lazy)
        if query != _NEXT or len(events) != 1 or not self._untouched():
            return _INDIRECT
        event = events[0][1]
        if (type(event) is not Event or event.pre_event is not None
                or event.post_event is not None or event._sees_dict
                or (cursor is not None and event._reads_text)
                or (bare and event._reads_state)):
            return _INDIRECT
        return event.call(_NEXT_MESSAGE, context)

    def reads_text(self) -> bool:
        if self._more_pairs() or self.unknown_event is not None:
            return True
        return _event_reads_text(self.action)


class ComplexNotion(Notion):
    """A notion made of all the notions its relations lead to."""

    def __init__(self, name: Any, owner: Element | None = None) -> None:
        self._init_complex(name, owner)

    def _init_complex(self, name: Any, owner: Element | None) -> None:
        self._relations: list[Relation] = []
        Notion._init_notion(self, name, owner)
        if not self._cursor_type:  # (an exact class's own pairs: _own_pairs)
            self.on(_S_SET_SUBJECT, self.do_relation)
            self.on_forward(self.do_forward)
            self.on_visit(self.do_visit)
        if type(self) is ComplexNotion or not self._cursor_type:
            self._sealed()  # (an exact class seals once, at its own end)

    def _own_pairs(self) -> None:
        Notion._own_pairs(self)
        self._own(_S_SET_SUBJECT, self.do_relation, _NO_TAGS)
        self._own(self.can_go_forward, self.do_forward, _NO_TAGS)
        self._own(_S_VISIT, self.do_visit, _NO_TAGS)

    @property
    def relations(self) -> list[Relation]:
        return self._relations

    def do_relation(self, **context: Any) -> bool | None:
        return self._relation_changed(
            context["sender"], context[_S_OLD_VALUE], context[_S_NEW_VALUE], False
        )

    def _relation_changed(self, relation: Relation, old: Any, new: Any,
                          fresh: bool) -> bool | None:
        """A relation's subject changed from ``old`` to ``new``. ``fresh``: the relation is being
        built (it cannot be in the list yet: attaching it needs no search of the list, which
        made building n relations on one notion take n*n/2 comparisons)."""
        if old is self and relation in self._relations:
            self._relations.remove(relation)
            return True
        if new is self and (fresh or relation not in self._relations):
            self._relations.append(relation)
            return True
        return None

    def do_forward(self) -> Reply:
        relations = self._relations
        if not relations:
            return None
        if len(relations) == 1:
            return relations[0]
        return tuple(relations)

    def do_visit(self) -> Reply:
        return tuple(self._relations)

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        first = message[0]
        if first == "next":
            return self._answer(1, message, context, 0, True)
        if first.startswith("visit"):
            return self._answer(2, message, context, 5, "visit")
        return None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        if query != _NEXT or type(self) is not ComplexNotion or not self._untouched():
            return _INDIRECT
        if not self._own_event(1):
            return _INDIRECT
        return self.do_forward()

    def remove_all(self) -> None:
        for relation in list(self._relations):
            relation.subject = None


#: How many characters outside the known first ones a selection's plan keeps the cases of.
_PLAN_CHARS = 256


def _usable_rank(rank: Any) -> bool:
    # Ranks are numbers; anything else (the unknown-event answer of a failing optional relation,
    # a string from a user condition) never wins a selection (docs/engine.md, decisions).
    return (type(rank) is int or type(rank) is float) and rank >= 0


class SelectiveNotion(ComplexNotion):
    """A switch: follows the best-ranked relation, trying equally ranked ones with lookahead."""

    CASES = "cases"

    def __init__(self, name: Any, owner: Element | None = None) -> None:
        self._default: Relation | None = None
        # The case plan of _best_direct (see _make_plan): the relations and conditions it was
        # made from, the default then, and the cases to try per next character.
        self._plan_relations: tuple[Relation, ...] | None = None
        self._plan_conditions: tuple[Condition | None, ...] = ()
        self._plan_default: Relation | None = None
        self._plan_index: dict[str, tuple[ParsingRelation, ...]] | None = None
        self._plan_any: tuple[ParsingRelation, ...] = ()
        # How many characters the index may hold: 0 when no case has a first-character test,
        # else its size when made plus _PLAN_CHARS (characters outside the known first ones are
        # added as they come). (Few attributes: a pure instance with 30 or more loses Python's
        # fast attribute access, and every selection reads them.)
        self._plan_room = 0
        # The rank of the last _best_direct's cases (-1: the default), the cases tied with its
        # first (None: none), and what _FOLDED stands for.
        self._best_rank = -1
        self._best_more: list[ParsingRelation] | None = None
        self._fold_size = 0
        self._fold_object: Any = None
        # Whether the last _best_direct ran code that could write to the context: the __eq__ of
        # a case's object compared with 'error', or anything making the plan looks at.
        self._best_eq = False
        ComplexNotion._init_complex(self, name, owner)
        if not self._cursor_type:  # (an exact class's own pairs: _own_pairs)
            self.on(self.can_retry, self.do_retry)
            self.on(self.can_finish, self.do_finish)
        self._sealed()

    def _own_pairs(self) -> None:
        ComplexNotion._own_pairs(self)
        self._own(self.can_retry, self.do_retry, _NO_TAGS)
        self._own(self.can_finish, self.do_finish, _NO_TAGS)

    @property
    def default(self) -> Relation | None:
        return self._default

    @default.setter
    def default(self, value: Relation | None) -> None:
        if value is self._default:
            return
        if value is not None and value.subject is not self:
            return
        self._default = value

    def _relation_changed(self, relation: Relation, old: Any, new: Any,
                          fresh: bool) -> bool | None:
        result = ComplexNotion._relation_changed(self, relation, old, new, fresh)
        if self._default is not None and self._default not in self._relations:
            self._default = None
        return result

    def can_go_forward(self, *message: Any, **context: Any) -> bool:
        return bool(self.is_forward(message)) and not context.get(_STATE)

    def do_forward(self, *message: Any, **context: Any) -> Reply:
        relations = self._relations
        if len(relations) < 2:
            return relations[0] if relations else None
        best = self.get_best_cases(message, context)
        if not best:
            return "error"
        if len(best) == 1:
            return best[0]
        return tupled(
            "push_context", {"set_state": {_S_CASES: best[1:]}}, best[0], self
        )

    def get_best_cases(self, message: Message, context: Context) -> list[Reply]:
        """Ask every case (but the default) with answer='rank'; the replies of the best rank."""
        context["answer"] = "rank"
        # What each case's __call__ would get: a copy of the context without 'answer' (made from
        # the context itself, which differs from it only by 'answer').
        text: Any = context.get(_TEXT)
        cursor = type(text) is TextCursor
        best = []
        top = -1
        default = self._default
        scratch = None
        head = None  # the next character, read once for the first-character filter
        if cursor:
            at = text
            if at.pos < len(at.source):
                head = at.source[at.pos]
        for relation in self._relations:
            if relation is default:
                continue
            if type(relation) is ParsingRelation:
                parsing = relation
                if parsing._plain():
                    first = parsing._first
                    if cursor and first is not None and (head is None or head not in first):
                        continue  # cannot match: it would fail, with no side effect
                    # Runs no user code and reads nothing it did not write itself: the plain
                    # cases can share one copy.
                    if scratch is None:
                        scratch = dict(context)
                        del scratch["answer"]
                    answer = parsing.handle(message, scratch)
                else:
                    copy = dict(context)
                    del copy["answer"]
                    answer = parsing.handle(message, copy)
                reply = answer[0]
                rank = answer[1]
            elif type(relation) in _CURSOR_TYPES:
                builtin = relation
                copy = dict(context)
                del copy["answer"]
                answer = builtin.handle(message, copy)
                reply = answer[0]
                rank = answer[1]
            else:
                if cursor:
                    context[_TEXT] = text.source[text.pos :]
                    cursor = False
                reply, rank = relation(*message, **context)
            if reply == "error" or not _usable_rank(rank):
                continue
            if rank > top:
                top = rank
                best = [reply]
            elif rank == top:
                best.append(reply)
        if not best and default is not None:
            best = [default]
        return best

    def _make_plan(self) -> bool:
        """Decide once, for the current cases, which to try per next character: a case whose
        condition can only match text starting with one of a known set of characters is tried
        for those only (``_first``), the others always, each list in registration order. False
        (and no plan) when a case is not a plain ParsingRelation."""
        self._plan_relations = None
        default = self._default
        conditions: list[Condition | None] = []
        cases: list[ParsingRelation] = []
        chars: set[str] = set()
        for relation in self._relations:
            if relation is default:
                conditions.append(None)
                continue
            if type(relation) is not ParsingRelation:
                return False
            parsing = relation
            if not parsing._plain():
                return False
            conditions.append(parsing.condition_access)
            cases.append(parsing)
            if parsing._first is not None:
                chars |= parsing._first
        tested = False
        unknown = []  # the cases that can start with anything
        for parsing in cases:
            if parsing._first is None:
                if parsing._first_test is None:
                    unknown.append(parsing)
                else:
                    tested = True
        self._plan_default = default
        self._plan_relations = tuple(self._relations)  # (what _cases_for goes through)
        index: dict[str, tuple[ParsingRelation, ...]] = {}
        for char in chars:
            index[char] = self._cases_for(char)
        self._plan_index = index
        self._plan_room = len(index) + _PLAN_CHARS if tested else 0
        self._plan_any = tuple(unknown)
        self._plan_conditions = tuple(conditions)
        return True

    def _cases_for(self, letter: str) -> tuple[ParsingRelation, ...]:
        """The plan's cases a match starting with ``letter`` could come from, in registration
        order: those whose first characters are known and include it, those whose test of the
        first character (``_first_test``) takes it, and those that could start with anything."""
        found = []
        default = self._plan_default
        plan: Any = self._plan_relations  # (made before)
        for relation in plan:
            if relation is default:
                continue
            case = relation
            first = case._first
            if first is not None:
                if letter in first:
                    found.append(case)
            elif case._first_test is None or case._first_test(letter) is not None:
                found.append(case)
        return tuple(found)

    # (No index checks in C: every index is below the lengths compared first, none negative.
    # The decorators are cython's, which has no types for mypy.)
    @cython.boundscheck(False)  # type: ignore[untyped-decorator]
    @cython.wraparound(False)  # type: ignore[untyped-decorator]
    def _plan_valid(self) -> bool:
        """Whether the plan still describes the cases: the same relations and default, each case
        still plain with the condition the plan was made from (checked at every selection: the
        relations list, a case's events and its condition can all be changed directly)."""
        plan = self._plan_relations
        relations = self._relations
        if plan is None or self._default is not self._plan_default:
            return False
        n = len(relations)
        if n != len(plan):
            return False
        default = self._default
        conditions = self._plan_conditions
        for i in range(n):
            relation = relations[i]
            if relation is not plan[i]:
                return False
            if relation is default:
                continue
            # A case of the plan: a ParsingRelation that was plain. What _plain() checks, inline,
            # with its matcher still made for the plan's condition (anything else: make the
            # plan again, which asks _plain()).
            parsing: Any = relation
            condition = parsing.condition_access
            if (
                condition is not conditions[i]
                or parsing._matcher_for is not condition
                or parsing._matcher is None
                or parsing._custom
                or parsing._tags is not parsing._seal_tags
                or parsing._unknown_event is not parsing._seal_unknown
            ):
                return False
            events = parsing._events  # (a ParsingRelation is never lazy)
            if not events or events[0] is not parsing._seal_pair:
                return False
            event = parsing._seal_event
            if event.pre_event is not None or event.post_event is not None:
                return False
            unknown = parsing._unknown_event
            if unknown.pre_event is not None or unknown.post_event is not None:
                return False
        return True

    def _best_direct(self, context: Context, cursor: TextCursor | None) -> Any:
        """get_best_cases for a selection whose cases are all plain ParsingRelations (matched
        against the text without user code, so there is nothing to copy the context for): only
        the cases the plan lists for the next character are matched (the others cannot match,
        and a failing plain case has no side effect). The first best case (the rank in
        ``_best_rank``, the cases tied with it in ``_best_more``, None when there are none;
        their replies by ``_case_reply``) or the default; None when there is neither;
        ``_INDIRECT`` when a case is not plain. (No list for the usual single best case.)"""
        if cursor is not None:
            source = cursor.source
            pos = cursor.pos
        else:
            text = context.get(_TEXT)
            if type(text) is not str:
                return _INDIRECT
            source = text
            pos = 0
        if self._plan_valid():
            self._best_eq = False
        else:
            self._best_eq = True
            if not self._make_plan():
                return _INDIRECT
        candidates: tuple[ParsingRelation, ...] | None = None
        if pos < len(source):
            index: Any = self._plan_index  # made by _make_plan() above
            char = source[pos]
            candidates = index.get(char)
            if candidates is None and self._plan_room:
                # A character outside the known first characters, with cases that test it:
                # which take it is decided once (for up to _PLAN_CHARS such characters).
                candidates = self._cases_for(char)
                if len(index) < self._plan_room:
                    index[char] = candidates
        if candidates is None:
            candidates = self._plan_any
        first: Any = None
        more: list[ParsingRelation] | None = None
        top = -1
        for relation in candidates:
            parsing = relation
            matcher: Any = parsing._matcher  # a plain case has one
            rank = _match_rank(matcher, source, pos)
            if rank < 0:
                continue  # the unknown event answers, with no usable rank
            if not rank or parsing.check_only:
                obj: Any = parsing._object
                if type(obj) is not str and obj is not None and type(obj) not in _CURSOR_TYPES:
                    self._best_eq = True  # (its __eq__ may be the user's)
                if obj == "error":
                    continue  # its reply would be 'error'
            if rank > top:
                top = rank
                first = parsing
                more = None
            elif rank == top:
                if more is None:
                    more = [parsing]
                else:
                    more.append(parsing)
        self._best_rank = top
        self._best_more = more
        if first is None and self._default is not None:
            self._best_rank = -1
            first = self._default
        return first

    def _case_reply(self, case: Any) -> Reply:
        """The reply of one of _best_direct's cases."""
        top = self._best_rank
        if top < 0:
            return case  # the default relation
        parsing = case
        if top and not parsing.check_only:
            return ({"proceed": top}, parsing._object)
        return parsing._object

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        return self._selected(query, context, cursor, state, False)

    def _selected(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
                  fold: bool) -> Any:
        """_reply; with ``fold`` (a process that consumes the text itself asks), ``_FOLDED``
        instead of a single best case's reply ({'proceed': n}, element)."""
        if query != _NEXT or not self._untouched():
            return _INDIRECT
        if state:
            if not self._own_event(4):
                return _INDIRECT
            return self.do_finish()
        if not self._own_event(1):
            return _INDIRECT
        relations = self._relations
        if len(relations) < 2:
            return relations[0] if relations else None
        first = self._best_direct(context, cursor)
        if first is _INDIRECT:
            return _INDIRECT
        if first is None:
            return "error"
        more = self._best_more
        if more is None:
            if fold and self._best_rank > 0:
                parsing = first
                obj = parsing._object
                if not parsing.check_only and isinstance(obj, Element):
                    builtin: Element = obj
                    if builtin._cursor_type:
                        self._fold_size = self._best_rank
                        self._fold_object = obj
                        return _FOLDED
            return self._case_reply(first)
        rest = [self._case_reply(case) for case in more]
        reply = self._case_reply(first)
        return tupled("push_context", {"set_state": {_S_CASES: rest}}, reply, self)

    def can_retry(self, *message: Any, **context: Any) -> bool:
        return bool(context.get(_STATE)) and bool(message) and message[0] == "error"

    def do_retry(self, **context: Any) -> Reply:
        cases = context[_STATE][_S_CASES]
        if cases:
            case = cases.pop(0)
            return tupled(
                "pop_context",
                {"set_state": {_S_CASES: cases}},
                "push_context",
                "next",
                case,
                self,
            )
        return self.do_finish()

    def can_finish(self, *message: Any, **context: Any) -> bool:
        return bool(context.get(_STATE)) and bool(self.is_forward(message))

    def do_finish(self) -> Reply:
        return ["forget_context", "clear_state"]

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        first = message[0]
        if first == "next":
            return self._answer(4 if context.get(_STATE) else 1, message, context, 0, True)
        if first == "error":
            if context.get(_STATE):
                return self._answer(3, message, context, 0, True)
            return _NO_HANDLE
        if first.startswith("visit"):
            return self._answer(2, message, context, 5, "visit")
        return None

    def reads_text(self) -> bool:
        return self._more_pairs() or self.unknown_event is not None


def _add_prefix(name: str, prefix: str) -> str:
    if name.startswith(prefix):
        return name
    return prefix + _S_SEP + name


def _tell(element: Any, name: str, sender: Any, old: Any, new: Any) -> None:
    """``element('set_<name>', **{'new-value': new, 'old-value': old, 'sender': sender})``."""
    element(_add_prefix(name, _S_SET_PREFIX), **{_S_NEW_VALUE: new, _S_OLD_VALUE: old,
                                                   "sender": sender})


def _told_directly(element: Any, name: str, sender: Any, old: Any, new: Any,
                   fresh: bool) -> bool:
    """What ``element('set_<name>', sender=..., old-value=old, new-value=new)`` does when a
    relation's subject or object, or an element's owner or name, changes and ``element`` is an
    untouched built-in notion, done here without the call (the context built for it reaches
    nothing else). False: call it.

    An untouched ComplexNotion or SelectiveNotion (its own 'set_subject' pair, no pre/post
    events) adds or removes a relation whose subject changes. No pair a built-in notion
    registers answers 'set_owner', 'set_object' or 'set_name' ('set_subject' either, but for
    those two), so with only its own pairs such a notion answers nothing. ``fresh``: the
    relation is being built (see ``_relation_changed``)."""
    kind = type(element)
    if kind is ComplexNotion or kind is SelectiveNotion:
        if name == _S_SUBJECT:
            whole: Any = element
            if not whole._untouched() or not whole._own_event(0):
                return False
            whole._relation_changed(sender, old, new, fresh)
            return True
    elif kind is not Notion and kind is not ActionNotion:
        return False
    notion: Any = element
    return name in _UNHEARD and notion._untouched() and notion._only_own_pairs()


class Relation(Element):
    """A link from a subject to an object; a plain relation answers nothing."""

    SUBJECT = "subject"
    OBJECT = "object"

    def __init__(self, subj: Any, obj: Any, owner: Element | None = None) -> None:
        self._init_relation(subj, obj, owner)

    def _init_relation(self, subj: Any, obj: Any, owner: Element | None) -> None:
        # First construction (no state yet): this relation is in no notion's list.
        if cython.compiled:
            fresh = self._seal_pairs is None  # (a C field: None until _init_element)
        else:
            fresh = getattr(self, "_seal_pairs", None) is None
        self._subject = None
        self._object = None
        Element._init_element(self, owner)
        if self._cursor_type:
            # What the setters do from None (setting None again changes nothing).
            if subj is not None:
                self._change(_S_SUBJECT, None, subj, fresh)
            if obj is not None:
                self._change(_S_OBJECT, None, obj, False)
        else:
            self.subject = subj
            self.object = obj
        if type(self) is Relation or not self._cursor_type:
            self._sealed()  # (an exact class seals once, at its own end)

    def _store_property(self, name: str, value: Any) -> None:
        if name == _S_SUBJECT:
            self._subject = value
        elif name == _S_OBJECT:
            self._object = value
        else:
            Element._store_property(self, name, value)

    @property
    def subject(self) -> Any:
        return self._subject

    @subject.setter
    def subject(self, value: Any) -> None:
        self.change_property(_S_SUBJECT, value)

    @property
    def object(self) -> Any:
        return self._object

    @object.setter
    def object(self, value: Any) -> None:
        self.change_property(_S_OBJECT, value)

    def __str__(self) -> str:
        return f"<{self._subject} - {self._object}>"

    def __repr__(self) -> str:
        return self.__str__()


class NextRelation(Relation):
    """Leads the process to its object when its condition (checked against the message) holds."""

    def __init__(self, subj: Any, obj: Any, condition: Any = None, owner: Element | None = None,
                 **options: Any) -> None:
        self._init_next(subj, obj, condition, owner, options)

    def _init_next(self, subj: Any, obj: Any, condition: Any, owner: Element | None,
                   options: dict[str, Any]) -> None:
        self.options = options
        self.condition_access: Condition = TRUE_CONDITION
        Relation._init_relation(self, subj, obj, owner)
        if condition:
            self.set_condition(condition)
        if not self._cursor_type:  # (an exact class's own pairs: _own_pairs)
            self.on(self.can_pass, self.do_next)
            self.on_visit(self.do_visit)
        if type(self) is NextRelation or not self._cursor_type:
            self._sealed()  # (an exact class seals once, at its own end)

    def _own_pairs(self) -> None:
        Relation._own_pairs(self)
        self._own(self.can_pass, self.do_next, _NO_TAGS)
        self._own(_S_VISIT, self.do_visit, _NO_TAGS)

    def set_condition(self, value: Any) -> None:
        self.condition_access = Condition(value, **self.options)

    @property
    def condition(self) -> Any:
        return self.condition_access.value

    @condition.setter
    def condition(self, value: Any) -> None:
        self.set_condition(value)

    def can_pass(self, *message: Any, **context: Any) -> Checked | None:
        if not self.is_forward(message):
            return None
        return self.condition_access.check(message, context)

    def do_next(self) -> Reply:
        return self._object

    def do_visit(self) -> Reply:
        obj = self._object
        return obj if isinstance(obj, Element) else None

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        first = message[0]
        if first == "next":
            condition = self.condition_access
            if condition is not TRUE_CONDITION and condition.mode != "value":
                text = context.get(_TEXT)
                if type(text) is TextCursor and _access_reads_text(condition):
                    context[_TEXT] = text.source[text.pos :]
            rank, result = condition.check(message, context)
            if rank >= 0:
                return self._answer(0, message, context, rank, result)
            return _NO_HANDLE
        if first.startswith("visit"):
            return self._answer(1, message, context, 5, "visit")
        return None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        if query != _NEXT or type(self) is not NextRelation or not self._untouched():
            return _INDIRECT
        if not self._own_event(0):
            return _INDIRECT
        condition = self.condition_access
        if condition is not TRUE_CONDITION:
            # Only the built-in check: a subclass's own check could do anything with the context.
            if type(condition) is not Condition or condition._sees_dict or (
                    cursor is not None and condition._reads_text) or (
                    bare and condition._reads_state):
                return _INDIRECT
            if condition.check(_NEXT_MESSAGE, context)[0] < 0:
                return False
        return self._object

    def reads_text(self) -> bool:
        if self._more_pairs() or self.unknown_event is not None:
            return True
        condition = self.condition_access
        return condition is not TRUE_CONDITION and _access_reads_text(condition)


class ActionRelation(Relation):
    """Runs an action when passed; replies (result, object), or whichever of them is not None."""

    def __init__(self, subj: Any, obj: Any, action: Any, owner: Element | None = None) -> None:
        self.action_access = _access_of(action)
        Relation._init_relation(self, subj, obj, owner)
        if not self._cursor_type:  # (an exact class's own pair: _own_pairs)
            self.on_forward(self.do_act)
        self._sealed()

    def _own_pairs(self) -> None:
        Relation._own_pairs(self)
        self._own(self.can_go_forward, self.do_act, _NO_TAGS)

    @property
    def action(self) -> Any:
        return self.action_access.value

    @action.setter
    def action(self, value: Any) -> None:
        self.action_access = Access(value)

    def do_act(self, *message: Any, **context: Any) -> Reply:
        return self._act(message, context)

    def _act(self, message: Message, context: Context) -> Reply:
        result = self.action_access.call(message, context)
        obj = self._object
        if result is not None and obj is not None:
            return result, obj
        return result if result is not None else obj

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        if message[0] != "next":
            return None
        text = context.get(_TEXT)
        if type(text) is TextCursor and _reads_text_cached(self.action_access):
            cursor = text
            context[_TEXT] = cursor.source[cursor.pos :]
        if self._lazy:
            # The own event, not built: its value is this element's do_act (an equal bound method).
            value: Any = self.do_act
        else:
            event = self._events[0][1]
            if event.pre_event is not None or event.post_event is not None:
                return self._answer(0, message, context, 0, True)
            value = event.value
        context["rank"] = 0
        context["condition"] = True
        context["event"] = value
        # do_act(*message, **context) would get a copy of this context: so does the action.
        return (self._act(message, dict(context)), 0, value)

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        if query != _NEXT or not self._untouched():
            return _INDIRECT
        action = self.action_access
        if (not self._own_event(0) or type(action) is not Access or action._sees_dict
                or (cursor is not None and action._reads_text)
                or (bare and action._reads_state)):
            return _INDIRECT
        return self._act(_NEXT_MESSAGE, context)

    def reads_text(self) -> bool:
        if self._more_pairs() or self.unknown_event is not None:
            return True
        return _access_reads_text(self.action_access)


# Offset matchers of ParsingRelation conditions, built once per Condition:
# (kind, value, extra) with kinds below; None when the condition needs the real text. A regex's
# extra is its bound match (search) method: looked up once, not at every token.
_M_TRUE, _M_STR, _M_STR_I, _M_FIND, _M_RE, _M_RE_SEARCH, _M_LIST, _M_NONE, _M_RUN = range(9)
#: A run matcher's characters are kept as a str up to this many (a scan), else as a frozenset.
_RUN_SCAN = 16
_RUN_LIMIT = 256  # classes with more characters are left to re


def _run_of(pattern: re.Pattern[Any]) -> tuple[int, Any, Any] | None:
    """``(_M_RUN, chars, (low, high))`` for a ``str`` regex that is one greedy repeat of a class
    of literal characters and ranges (``\\++``, ``[0-9]{2,}``, ``[ \\t]*``): its match at an
    offset is the longest run of those characters, up to ``high``, when at least ``low`` long.
    The compiled engine counts that run itself; calling ``re`` costs far more than counting a
    few characters. None for any other regex, and under IGNORECASE (``re`` decides its case
    folding)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    c = _sre_constants
    try:
        parsed = list(_sre_parser.parse(pattern.pattern, pattern.flags))
    except Exception:
        return None
    if len(parsed) != 1 or parsed[0][0] is not c.MAX_REPEAT:
        return None
    low, high, body = parsed[0][1]
    body = list(body)
    if len(body) != 1:
        return None
    op, arg = body[0]
    items = [(op, arg)] if op is c.LITERAL else list(arg) if op is c.IN else None
    if not items:
        return None
    chars = _literal_chars(items, _RUN_LIMIT)  # None: a category, a negation, a large range
    if chars is None:
        return None
    if len(chars) <= _RUN_SCAN:
        return (_M_RUN, "".join(sorted(chars)), (low, high))
    return (_M_RUN, chars, (low, high))


@cython.boundscheck(False)  # type: ignore[untyped-decorator]  # (see _plan_valid)
def _run_length(chars: Any, source: str, pos: int, high: int) -> int:
    """How many characters of ``chars`` (a str or a frozenset) follow ``pos`` in ``source``, at
    most ``high``."""
    if pos < 0:
        pos = 0  # (as re takes it; the loop reads no index below 0)
    end = pos
    limit = len(source)
    if high < limit - pos:
        limit = pos + high
    if type(chars) is str:
        scan: str = chars
        if len(scan) == 1:
            only = scan[0]
            while end < limit and source[end] == only:
                end += 1
            return end - pos
        while end < limit and source[end] in scan:
            end += 1
    else:
        while end < limit and source[end] in chars:
            end += 1
    return end - pos


def _offset_matcher(value: Any, options: dict[str, Any]) -> tuple[int, Any, Any] | None:
    """How to check a Condition(value, **options) against text at an offset, or None."""
    search = bool(options.get("search"))
    if is_list(value):
        inner = []
        for item in value:
            matcher = _offset_matcher(item, options)
            if matcher is None:
                return None
            inner.append(matcher)
        return (_M_LIST, tuple(inner), None)
    if is_string(value):
        if options.get("ignore_case"):
            return None if search else (_M_STR_I, value.upper(), len(value))
        return (_M_FIND if search else _M_STR, value, len(value))
    if isinstance(value, re.Pattern):
        if not _offset_safe(value):
            return None
        if search:
            return (_M_RE_SEARCH, value, value.search)
        if cython.compiled:
            run = _run_of(value)
            if run is not None:
                return run
        return (_M_RE, value, value.match)
    if value is None or is_number(value) or type(value) is bool or type(value) is dict:
        return (_M_NONE, None, None)  # compared with ==/is to a string: never equal
    return None


def _match_at(matcher: tuple[int, Any, Any], source: str, pos: int) -> tuple[int, Any]:
    kind, value, extra = matcher
    if kind == _M_STR:
        if source.startswith(value, pos):
            return extra, value
        return -1, None
    if kind == _M_RE:
        found = extra(source, pos)
        if found is None:
            return -1, None
        matched = found[0]  # end - start is its length
        return len(matched), matched
    if kind == _M_RUN:
        n = _run_length(value, source, pos, extra[1])
        if n < extra[0]:
            return -1, None
        return n, source[pos : pos + n]
    if kind == _M_STR_I:
        if source[pos : pos + extra].upper() == value:
            return extra, value
        return -1, None
    if kind == _M_LIST:
        best_rank, best_result = -1, None
        for inner in value:
            rank, result = _match_at(inner, source, pos)
            if rank > best_rank:
                best_rank, best_result = rank, result
        return best_rank, best_result
    if kind == _M_FIND:
        found_at = source.find(value, pos)
        if found_at < 0:
            return -1, None
        return extra + found_at - pos, value
    if kind == _M_RE_SEARCH:
        found = extra(source, pos)
        if found is None:
            return -1, None
        return found.end() - pos, found[0]
    return -1, None


def _match_rank(matcher: tuple[int, Any, Any], source: str, pos: int) -> int:
    """The rank of a match at ``pos`` (-1: none; 0 for the true condition), what a selection
    ranks its cases by: ``_match_at``'s rank without its tuple, and for a string or a run
    without the matched text."""
    kind = matcher[0]
    if kind == _M_TRUE:
        return 0
    if kind == _M_RUN:
        bounds = matcher[2]
        n = _run_length(matcher[1], source, pos, bounds[1])
        return n if n >= bounds[0] else -1
    if kind == _M_STR:
        return matcher[2] if source.startswith(matcher[1], pos) else -1
    return _match_at(matcher, source, pos)[0]


class ParsingRelation(NextRelation):
    """A NextRelation whose condition is checked against the text being parsed; on success it
    asks the process to consume the matched length ('proceed')."""

    def __init__(self, subj: Any, obj: Any, condition: Any = None, owner: Element | None = None,
                 **options: Any) -> None:
        self.optional = options.get("optional", False)
        self.check_only = options.get("check_only", False)
        self._matcher: tuple[int, Any, Any] | None = None
        self._matcher_for: Condition | None = None
        self._own_condition: Condition | None = None
        self._raw_condition: Any = None
        self._first: frozenset[str] | None = None
        # When _first is None: a test of the next character (see _first_test), or None.
        self._first_test: Any = None
        self._seal_pair: Pair | None = None
        # Set at the end of the constructor, before anything reads it.
        self._seal_event: Event = None  # type: ignore[assignment]
        NextRelation._init_next(self, subj, obj, condition, owner, options)
        if self._cursor_type:
            self._unknown_event = _event_of(self.on_error)
        else:
            self.unknown_event = Event(self.on_error)
        self._sealed()  # (its _seal_unknown: the on_error event just set)
        self._seal_pair = self._seal_pairs[0]
        self._seal_event = self._seal_pair[1]

    def _plain(self) -> bool:
        """Untouched, its condition matched without user code, no pre/post events. Only for an
        exact ParsingRelation (the caller checks the type): the rest of ``_untouched`` is inline,
        and so is ``_own_event(0)`` (its pair and event as sealed: a tuple never changes)."""
        if (
            self._custom
            or self._tags is not self._seal_tags
            or self._unknown_event is not self._seal_unknown
        ):
            return False
        condition = self.condition_access
        if condition is not self._matcher_for:
            self._matcher_of(condition)
        if self._matcher is None:
            return False
        events = self._events  # (never lazy: its pairs are sealed in its constructor)
        if not events or events[0] is not self._seal_pair:
            return False
        event = self._seal_event
        if event.pre_event is not None or event.post_event is not None:
            return False
        # Not None: it is the constructor's (checked above).
        unknown: Event = self._unknown_event  # type: ignore[assignment]
        return unknown.pre_event is None and unknown.post_event is None

    def _matcher_of(self, condition: Condition) -> tuple[int, Any, Any] | None:
        if condition is not self._matcher_for:
            self._matcher_for = condition
            self._first = None
            self._first_test = None
            if condition is TRUE_CONDITION:
                self._matcher = (_M_TRUE, None, None)
            elif condition is self._own_condition and condition.mode == "value":
                self._matcher = _offset_matcher(self._raw_condition, self.options)
                if self._matcher is not None:
                    self._first = _first_chars(self._raw_condition, self.options)
                    if self._first is None:
                        self._first_test = _first_test(self._raw_condition, self.options)
            else:
                self._matcher = None
        return self._matcher

    def set_condition(self, value: Any) -> None:
        self._raw_condition = value
        NextRelation.set_condition(self, value)
        self._own_condition = self.condition_access

    def can_pass(self, *message: Any, **context: Any) -> Checked | None:
        if not self.is_forward(message):
            return None
        text = context.get(_TEXT)
        condition = self.condition_access
        if type(text) is TextCursor:
            matcher = self._matcher_of(condition)
            if matcher is not None:
                if matcher[0] == _M_TRUE:
                    return 0, True
                return _match_at(matcher, text.source, text.pos)
            text = context[_TEXT] = text.source[text.pos :]
        return condition.check(tupled(text, message), context)

    def do_next(self, rank: float | None = None) -> Reply:
        if rank and not self.check_only:
            return {"proceed": rank}, self._object
        return self._object

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        first = message[0]
        if first == "next":
            text = context.get(_TEXT)
            condition = self.condition_access
            matcher = None
            if type(text) is TextCursor:
                cursor = text
                matcher = self._matcher_of(condition)
                if matcher is None:
                    text = context[_TEXT] = cursor.source[cursor.pos :]
            if matcher is not None:
                if matcher[0] == _M_TRUE:
                    rank, result = 0, True  # type: float, Any
                else:
                    rank, result = _match_at(matcher, cursor.source, cursor.pos)
            else:
                rank, result = condition.check(tupled(text, message), context)
            if rank >= 0:
                return self._answer(0, message, context, rank, result)
        elif first.startswith("visit"):
            return self._answer(1, message, context, 5, "visit")
        # Set by the constructor; a direct dispatch runs only while it is that event.
        unknown: Event = self._unknown_event  # type: ignore[assignment]
        if unknown.pre_event is None and unknown.post_event is None:
            # What on_error answers, without the call.
            if first == "next" and not self.optional:
                return ("error", unknown._value)
            return (None, unknown._value)
        return unknown.run(message, context)

    def on_error(self, *message: Any) -> str | None:
        if self.is_forward(message) and not self.optional:
            return "error"
        return None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        if query != _NEXT or type(self) is not ParsingRelation or not self._plain():
            return _INDIRECT
        if cursor is not None:
            source = cursor.source
            pos = cursor.pos
        else:
            text = context.get(_TEXT)
            if type(text) is not str:
                return _INDIRECT
            source = text
            pos = 0
        matcher: Any = self._matcher  # not None: _plain() made it
        rank = _match_rank(matcher, source, pos)
        if rank >= 0:
            if rank and not self.check_only:
                return ({"proceed": rank}, self._object)
            return self._object
        return None if self.optional else "error"

    def reads_text(self) -> bool:
        # The condition gets the real text whenever it is not matched at an offset.
        return self._more_pairs() or self.unknown_event is not self._seal_unknown


class LoopRelation(NextRelation):
    """Repeats its object: a count, a range, a wildcard, True (until break) or a function."""

    ITERATION = _ITERATION
    WILDCARDS = frozenset({"*", "?", "+"})
    INFINITY = _INFINITY

    def __init__(self, subj: Any, obj: Any, condition: Any = None,
                 owner: Element | None = None) -> None:
        self._raw_condition = condition
        self._kind_for: Condition | None = None
        # Computed on first use (_kind_for is None until then).
        self._kind_cache: tuple[bool, Any, Any] = (False, 0, 0)
        exact = type(self) is LoopRelation
        # The condition of an exact LoopRelation is set after its base's steps, without making
        # the plan its tags are due (made once, for all the pairs, below).
        NextRelation._init_next(self, subj, obj, None if exact else condition, owner, {})
        if exact and condition:
            self._set_condition(condition)
        if not self._cursor_type:  # (an exact class's own pairs: _own_pairs, its plan: _sealed)
            self.on(self.can_start, self.do_start, "value")
            self.on(self.can_loop, self.do_loop, "value")
            self.on(self.can_error, self.do_error, "value")
            self.on(self.can_iterate, self.do_custom_loop, "function")
            self.on(self.can_error, self.do_custom_error, "function")
            self.on(self.can_break, self.do_break)
            self.on(self.can_continue, self.do_continue)
            self.update_events()
        self._sealed()

    def _own_pairs(self) -> None:
        NextRelation._own_pairs(self)
        self._own(self.can_start, self.do_start, _VALUE_TAGS)
        self._own(self.can_loop, self.do_loop, _VALUE_TAGS)
        self._own(self.can_error, self.do_error, _VALUE_TAGS)
        self._own(self.can_iterate, self.do_custom_loop, _FUNCTION_TAGS)
        self._own(self.can_error, self.do_custom_error, _FUNCTION_TAGS)
        self._own(self.can_break, self.do_break, _NO_TAGS)
        self._own(self.can_continue, self.do_continue, _NO_TAGS)

    def set_condition(self, value: Any) -> None:
        if self._set_condition(value):
            self.update_events()

    def _set_condition(self, value: Any) -> bool:
        """set_condition but for the plan: whether the tags were set (then the plan is due)."""
        self._raw_condition = value
        self._kind_for = None
        NextRelation.set_condition(self, value)
        if self.is_general():
            self.tags = {"value"}
            return True
        if self.is_custom():
            self.tags = {"function"}
            return True
        return False

    @property
    def condition(self) -> Any:
        if self.condition_access is TRUE_CONDITION:
            return self._raw_condition
        return self.condition_access.value

    @condition.setter
    def condition(self, value: Any) -> None:
        self.set_condition(value)

    # -- kinds --------------------------------------------------------------------------------
    def is_numeric(self) -> bool | None:
        value = self.condition
        if is_number(value):
            return True
        if is_list(value) and len(value) == 2 and all(v is None or is_number(v) for v in value):
            return True
        return None

    def is_wildcard(self) -> bool:
        value = self.condition
        return is_string(value) and value in LoopRelation.WILDCARDS

    def is_infinite(self) -> bool:
        return self.condition is True

    def is_custom(self) -> bool:
        return (
            self.condition_access is not TRUE_CONDITION and self.condition_access.mode == "function"
        )

    def is_flexible(self) -> bool:
        return bool((self.is_numeric() and is_list(self.condition)) or self.is_wildcard())

    def is_general(self) -> bool:
        return bool(self.is_numeric() or self.is_wildcard() or self.is_infinite())

    @staticmethod
    def is_looping(context: Context) -> bool:
        return _looping(context)

    def get_bounds(self) -> tuple[Any, Any]:
        value = self.condition
        if is_number(value):
            return 1, value
        if self.is_numeric():
            low, high = value
            return (low or 0), (high or _INFINITY)
        if value == "*" and self.is_wildcard():
            return 0, _INFINITY
        if value == "+" and self.is_wildcard():
            return 1, _INFINITY
        if value == "?" and self.is_wildcard():
            return 0, 1
        if value is True:
            return _INFINITY, _INFINITY
        return 0, _INFINITY

    # -- conditions -----------------------------------------------------------------------------
    def can_pass(self, *message: Any, **context: Any) -> Checked | None:
        if self.condition_access is not TRUE_CONDITION:
            return None
        return NextRelation.can_pass(self, *message, **context)

    def can_start(self, *message: Any, **context: Any) -> bool:
        return bool(self.is_forward(message)) and not self.is_looping(context)

    def can_iterate(self, *message: Any) -> bool:
        return bool(self.is_forward(message))

    def can_loop(self, *message: Any, **context: Any) -> bool:
        return bool(self.is_forward(message)) and self.is_looping(context)

    def can_error(self, *message: Any, **context: Any) -> bool:
        return bool(message) and message[0] == "error" and self.is_looping(context)

    def can_break(self, *message: Any, **context: Any) -> bool:
        return bool(message) and message[0] == "break" and self.is_looping(context)

    def can_continue(self, *message: Any, **context: Any) -> bool:
        return bool(message) and message[0] == "continue" and self.is_looping(context)

    # -- replies --------------------------------------------------------------------------------
    def _kind(self) -> tuple[bool, Any, Any]:
        """(flexible, upper, lower) of the current condition, computed once per condition."""
        if self._kind_for is not self.condition_access:
            low, high = self.get_bounds()
            self._kind_cache = (self.is_flexible(), high, low)
            self._kind_for = self.condition_access
        return self._kind_cache

    def _iteration(self, i: Any) -> list[Any]:
        reply: list[Any] = [{"set_state": {_ITERATION: i}}]
        if self._kind()[0]:
            reply.append("push_context")
        reply.append(self._object)
        reply.append(self)
        return reply

    def do_start(self) -> Reply:
        return self._iteration(1)

    def do_loop(self, state: dict[str, Any]) -> Reply:
        return self._loop(state)

    def _loop(self, state: Any) -> list[Any]:
        i = state[_ITERATION]
        flexible, high, _low = self._kind()
        if i < high:
            reply = self._iteration(i + 1)
            return ["forget_context", *reply] if flexible else reply
        return ["forget_context", "clear_state"] if flexible else ["clear_state"]

    def do_error(self, state: dict[str, Any]) -> Reply:
        i = state[_ITERATION]
        flexible, high, low = self._kind()
        if flexible:
            if low < i <= high:
                return ["next", "pop_context", "clear_state"]
            return ["forget_context", "clear_state"]
        return ["clear_state"]

    def do_custom_loop(self, *message: Any, **context: Any) -> Reply:
        i = self.condition_access.call(message, context)
        if i:
            return [{"set_state": {_ITERATION: i}}, self._object, self]
        return ["clear_state"] if self.is_looping(context) else False

    def _dispatch(self, message: Message, context: Context) -> tuple[Any, ...] | None:
        first = message[0]
        tags = self._tags
        if first == "next":
            if self.condition_access is TRUE_CONDITION:
                return self._answer(0, message, context, 0, True)
            if "value" in tags:
                return self._answer(3 if self.is_looping(context) else 2, message, context, 0, True)
            if "function" in tags:
                return self._answer(5, message, context, 0, True)
            return _NO_HANDLE
        if first.startswith("visit"):
            return self._answer(1, message, context, 5, "visit")
        if first in ("error", "break", "continue"):
            if not self.is_looping(context):
                return _NO_HANDLE
            if first == "break":
                return self._answer(7, message, context, 0, True)
            if first == "continue":
                return self._answer(8, message, context, 0, True)
            if "value" in tags:
                return self._answer(4, message, context, 0, True)
            if "function" in tags:
                return self._answer(6, message, context, 0, True)
            return _NO_HANDLE
        return None

    def _reply(self, query: Any, context: Context, cursor: TextCursor | None, state: Any,
               bare: bool) -> Any:
        if query != _NEXT or not self._untouched():
            return _INDIRECT
        tags = self._tags
        if self.condition_access is TRUE_CONDITION:
            index = 0
        elif "value" in tags:
            index = 3 if _state_looping(state) else 2
        elif "function" in tags:
            index = 5
        else:
            return False
        if not self._own_event(index):
            return _INDIRECT
        if index == 0:
            return self._object
        if index == 2:
            return self._iteration(1)
        if index == 3:
            return self._loop(state)
        condition = self.condition_access
        if type(condition) is not Condition or condition._sees_dict or (
                cursor is not None and condition._reads_text) or (
                bare and condition._reads_state):
            return _INDIRECT
        i = condition.call(_NEXT_MESSAGE, context)
        if i:
            return [{"set_state": {_ITERATION: i}}, self._object, self]
        return ["clear_state"] if _state_looping(state) else False

    def _next_iteration(self, query: Any, state: Any) -> Any:
        """The ``i`` of the next iteration when this loop, asked ``query`` with ``state``, would
        reply with it (``[forget_context?, {'set_state': {'i': i}}, push_context?, object,
        self]``, what ``_loop`` gives before the upper bound), for a process that does those
        commands itself; None when the reply is anything else."""
        if query != _NEXT or not self._untouched() or self.condition_access is TRUE_CONDITION:
            return None
        if "value" not in self._tags or not _state_looping(state):
            return None
        if not self._own_event(3):
            return None
        i = state[_ITERATION]
        high = self._kind()[1]
        if high is _INFINITY or i < high:
            return i + 1
        return None

    def do_custom_error(self) -> Reply:
        return ("clear_state",)

    def do_break(self) -> Reply:
        if self._kind()[0]:
            return ["next", "forget_context", "clear_state"]
        return ["next", "clear_state"]

    def do_continue(self, *message: Any, **context: Any) -> Reply:
        if self.is_custom():
            reply = self.do_custom_loop(*message, **context)
        else:
            reply = self.do_loop(context[_STATE])
        if not is_list(reply):
            reply = [reply] if reply else []
        return ["next", *reply]

    def reads_text(self) -> bool:
        if self._more_pairs() or self.unknown_event is not None:
            return True
        return self.is_custom() and _access_reads_text(self.condition_access)


class Graph(Element):
    """Notions, sub-graphs and relations with a root notion; asked 'next', it answers the root."""

    def __init__(self, root: Notion | str | None = None, owner: Element | None = None) -> None:
        self._notions: list[Notion | Graph] = []
        self._relations: list[Relation] = []
        self._root: Notion | None = None
        Element.__init__(self, owner)
        self.on("set_owner", self.do_element)
        self.on_forward(self.do_forward)
        self.on_visit(self.do_forward)
        self._sealed()
        if is_string(root):
            root = ComplexNotion(root, self)
        if root:
            self.root = root

    def _store_property(self, name: str, value: Any) -> None:
        if name == "root":
            self._root = value
        else:
            Element._store_property(self, name, value)

    def do_element(self, **context: Any) -> bool:
        element = context["sender"]
        collection: list[Any]
        if isinstance(element, (Notion, Graph)):
            collection = self._notions
        elif isinstance(element, Relation):
            collection = self._relations
        else:
            return False
        if context[_S_OLD_VALUE] is self and element in collection:
            collection.remove(element)
            if element is self._root:
                self._root = None
        if context[_S_NEW_VALUE] is self and element not in collection:
            collection.append(element)
        return True

    def do_forward(self) -> Reply:
        return self._root

    @property
    def root(self) -> Notion | None:
        return self._root

    @root.setter
    def root(self, value: Notion) -> None:
        if value is self._root:
            raise ValueError(f"Invalid root {value!r}: it is the root already")
        if not isinstance(value, Notion):
            raise ValueError(f"Invalid root {value!r}: not a notion")
        if value.owner is not self:
            raise ValueError(f"Invalid root {value!r}: not in this graph")
        self.change_property("root", value)

    @property
    def name(self) -> Any:
        return self._root.name if self._root is not None else None

    @name.setter
    def name(self, value: Any) -> None:
        # Without a root this raises AttributeError, as it always did.
        self._root.name = value  # type: ignore[union-attr]

    def __str__(self) -> str:
        return '{"%s"}' % (self._root.name if self._root is not None else "")

    def __repr__(self) -> str:
        if self._owner:
            return "{" + f"{type(self).__name__}({self}, {self._owner})" + "}"
        return "{" + f"{type(self).__name__}({self})" + "}"

    # -- search ---------------------------------------------------------------------------------
    @staticmethod
    def search_elements(collection: Iterable[_E], comparator: Callable[[_E, Any], Any],
                        criteria: Any) -> list[_E]:
        """Every element of the highest rank (0 or more) that ``comparator`` gives."""
        best = []
        top = -1
        for element in collection:
            rank = comparator(element, criteria)
            if rank is None or rank < 0:
                continue
            if rank > top:
                top = rank
                best = [element]
            elif rank == top:
                best.append(element)
        return best

    @staticmethod
    def _notion_rank(notion: Notion | Graph, criteria: Any) -> Any:
        if callable(criteria):
            return criteria(notion)
        name = notion.name
        if isinstance(criteria, re.Pattern):
            if not isinstance(name, str):
                return -1
            found = criteria.match(name)
            return found.end() - found.start() if found else -1
        if is_string(criteria):
            return len(criteria) if criteria == name else -1
        return -1

    @staticmethod
    def _relation_rank(relation: Relation, criteria: Any) -> Any:
        if callable(criteria):
            return criteria(relation)
        if isinstance(criteria, dict):
            rank = -1
            if _S_SUBJECT in criteria and criteria[_S_SUBJECT] == relation.subject:
                rank += 1
            if _S_OBJECT in criteria and criteria[_S_OBJECT] == relation.object:
                rank += 1
            return rank
        return -1

    def notions(self, criteria: Any = None) -> Sequence[Notion | Graph]:
        if not criteria:
            return tuple(self._notions)
        return Graph.search_elements(self._notions, Graph._notion_rank, criteria)

    def notion(self, criteria: Any) -> Notion | Graph | None:
        found = self.notions(criteria)
        return found[0] if found else None

    def relations(self, criteria: Any = None) -> Sequence[Relation]:
        if not criteria:
            return tuple(self._relations)
        return Graph.search_elements(self._relations, Graph._relation_rank, criteria)

    def relation(self, criteria: Any = None) -> Relation | None:
        found = self.relations(criteria)
        return found[0] if found else None


# Built-in element classes: their instances take a TextCursor as 'text' (each materializes it
# itself when it or a user's event could read it); anything else gets the real slice.
_CURSOR_TYPES = frozenset(
    {
        Notion,
        ActionNotion,
        ComplexNotion,
        SelectiveNotion,
        Relation,
        NextRelation,
        ActionRelation,
        ParsingRelation,
        LoopRelation,
        Graph,
    }
)


def _takes_cursor(element: object) -> bool:
    return type(element) in _CURSOR_TYPES


# Built-in classes whose exact instances build their own pairs lazily (Element._sealed), with
# how many they have: all are the class's bound methods. (ActionNotion's event is the user's
# action, ParsingRelation's direct paths read its sealed pair: theirs are built at once.)
_LAZY_COUNTS = {
    Notion: 0,
    ComplexNotion: 3,
    SelectiveNotion: 5,
    Relation: 0,
    NextRelation: 2,
    ActionRelation: 1,
    LoopRelation: 9,
}

# Classes whose direct dispatch reproduces the generic selection of their own events.
_DIRECT_TYPES = frozenset(
    {
        Notion,
        ActionNotion,
        ComplexNotion,
        SelectiveNotion,
        NextRelation,
        ParsingRelation,
        LoopRelation,
        ActionRelation,
    }
)

#: Per class, what ``Element._sealed`` decides of its exact instances, found with one lookup:
#: (answers by its direct dispatch, takes a cursor, count of lazily built own pairs or -1).
_SEAL_KINDS = {
    cls: (cls in _DIRECT_TYPES, cls in _CURSOR_TYPES, _LAZY_COUNTS.get(cls, -1))
    for cls in _DIRECT_TYPES | _CURSOR_TYPES
}
_NOT_BUILTIN = (False, False, -1)
