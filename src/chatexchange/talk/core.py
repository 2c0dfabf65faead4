"""The dispatch core: uniform calling (Access), ranked conditions, events and the Handler that
picks the best (condition, event) pair for a message.

This file is the single source of two implementations. Run as it is, it is the pure-Python engine;
compiled by Cython in pure-Python mode together with ``chatexchange/_speedups/core.pxd`` (which
declares the classes as extension types with typed attributes and C-level methods) it becomes
``chatexchange._speedups.core``. What makes the engine fast is decided once, by design:

* Access inspects a callable's signature once (cached per function) and keeps a call strategy, so
  a call never inspects or copies the context more than Python itself needs to.
* A Condition decides its kind at construction; checks branch on that kind.
* A Handler keeps, per tag state, a *plan* of its active pairs: plain string conditions indexed by
  their first character, regex conditions in their own group, everything else in registration
  order. A tag change costs a dict lookup; results are exactly those of a scan in registration
  order (highest rank wins, ties go to the pair registered first, every condition with side
  effects still runs).
"""

from __future__ import annotations

import inspect
import re
import types
import weakref
from array import array
from collections import namedtuple
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

try:
    import cython
except ImportError:  # Cython is a build dependency only
    from chatexchange.talk import _cython_shim as cython

from .utils import get_len

__all__ = [
    "TRUE_CONDITION",
    "Abstract",
    "Access",
    "ArgSpec",
    "Condition",
    "Event",
    "Handler",
    "TrueCondition",
]

_Pattern = re.Pattern
if TYPE_CHECKING:
    # re's private parser: not a stable API (its stubs do not follow it); read only to index
    # regexes by their possible first characters.
    _sre_constants: Any = None
    _sre_parser: Any = None
else:
    try:  # the parser re itself compiles with (a private module: without it, no regex index)
        from re import _constants as _sre_constants
        from re import _parser as _sre_parser
    except ImportError:  # Python 3.10
        try:
            import sre_constants as _sre_constants
            import sre_parse as _sre_parser
        except ImportError:
            _sre_parser = _sre_constants = None

# How an Access calls its value (decided once, at construction).
_CALL_VALUE = 0  # not callable: the value itself
_CALL_ABSTRACT = 1  # an Abstract: obj(*message, **context)
_CALL_ARGS = 2  # f(*args): f(*message)
_CALL_KWARGS = 3  # f(**kw): f(**context)
_CALL_BOTH = 4  # f(*args, **kw): f(*message, **context)
_CALL_NONE = 5  # f(): f()
_CALL_MAPPED = 6  # f(a, b=1): f(context.get('a'), context.get('b', 1))
_CALL_MAPPED_KW = 7  # the same with keyword-only parameters

#: The keys Handler.handle writes into the context it is given before running an event.
_WRITTEN = frozenset({"sender", "rank", "condition", "event"})

# The check a Condition runs (decided once, at construction).
_K_CUSTOM = 0  # (in a plan) a subclass overriding check(): always called
_K_FUNCTION = 1
_K_COMPARE = 2
_K_LIST = 3
_K_STRING = 4
_K_STRING_SEARCH = 5
_K_REGEX = 6
_K_REGEX_SEARCH = 7
_K_BOOLEAN = 8

_NO_CHECK: Checked = (-1, None)
#: The tags of a condition (and a handler) without any: one shared empty set.
_NO_TAGS: frozenset[Any] = frozenset()
_NO_HANDLE: tuple[Any, ...] = (False, -1, None)
_MAX_PLANS = 256  # tag states remembered per handler before the cache starts over
_SCAN_LIMIT = 8  # string conditions sharing a first character scanned one by one

_SENDER = "sender"
_RANK = "rank"
_CONDITION = "condition"
_EVENT = "event"
_RESULT = "result"
_ANSWER = "answer"


#: What context mapping knows of a callable: positional parameter names, the ``*`` and ``**``
#: parameter names (or None), the defaults of the last positional parameters, keyword-only names.
ArgSpec = namedtuple("ArgSpec", "args varargs keywords defaults kwonlyargs", defaults=((),))

if TYPE_CHECKING:
    from typing import TypeAlias

    #: The items a message is made of: the first is what conditions look at.
    Message: TypeAlias = Sequence[Any]
    #: What the callees of a message see by name (``sender``, ``rank``, ... and the caller's keys).
    Context: TypeAlias = dict[str, Any]
    #: ``(rank, result)`` of a condition; a negative rank is "not satisfied". A condition function
    #: may rank with a float.
    Checked: TypeAlias = tuple[float, Any]
    #: How an Access calls a callable: (kind, positional names, their defaults, keyword-only
    #: names, their defaults, ArgSpec, sees the dict, reads 'text', reads 'state').
    _Strategy: TypeAlias = tuple[
        int, tuple[str, ...], tuple[Any, ...], tuple[str, ...], tuple[Any, ...], ArgSpec,
        bool, bool, bool]
    #: A handler's registration: the condition and the event it runs.
    Pair: TypeAlias = tuple["Condition", "Event"]


class Abstract:
    """Everything that takes part in the protocol is called as ``obj(*message, **context)``.

    By convention None means "no reaction", False an error, anything else a reply.
    """

    def __call__(self, *message: Any, **context: Any) -> Any:
        raise NotImplementedError("Method not implemented")


# Call strategies of plain and compiled functions: id(function) -> [weak reference, strategy,
# strategy as a bound method (None until needed)], where a strategy is (kind, names, defaults,
# kw names, kw defaults, ArgSpec, and what a call sees of its context). Bound methods share the
# entry of their function. Keyed by id (checked against the reference) rather than a
# WeakKeyDictionary: a lookup is one dict get. The engine's own functions live as long as their
# classes: their entries hold the function itself instead of a reference (kept for good).
_signatures: dict[int, list[Any]] = {}
_ENGINE_MODULES = frozenset(
    f"chatexchange.{package}.{module}"
    for package in ("talk", "_speedups")
    for module in ("utils", "core", "elements", "process", "builder")
)
_FunctionType = types.FunctionType
_MethodType = types.MethodType
_ReferenceType = weakref.ReferenceType
#: Type names of Cython's function objects (compiled functions and methods, with binding=True).
_CYFUNCTION_TYPES = frozenset({"cython_function_or_method", "fused_cython_function"})


def _strategy_of(sig: inspect.Signature) -> _Strategy:
    names: list[str] = []
    defaults: list[Any] = []
    kwnames: list[str] = []
    kwdefaults: list[Any] = []
    varargs = None
    varkw = None
    positional_defaults: list[Any] = []
    for p in sig.parameters.values():
        default = None if p.default is p.empty else p.default
        if p.kind is p.VAR_POSITIONAL:
            varargs = p.name
        elif p.kind is p.VAR_KEYWORD:
            varkw = p.name
        elif p.kind is p.KEYWORD_ONLY:
            kwnames.append(p.name)
            kwdefaults.append(default)
        else:
            names.append(p.name)
            defaults.append(default)
            if p.default is not p.empty:
                positional_defaults.append(p.default)
    spec = ArgSpec(list(names), varargs, varkw, tuple(positional_defaults) or None, list(kwnames))
    if varargs is not None and varkw is not None:
        kind = _CALL_BOTH
    elif varargs is not None:
        kind = _CALL_ARGS
    elif varkw is not None:
        kind = _CALL_KWARGS
    elif kwnames:
        kind = _CALL_MAPPED_KW
    elif names:
        kind = _CALL_MAPPED
    else:
        kind = _CALL_NONE
    return _with_flags(kind, tuple(names), tuple(defaults), tuple(kwnames), tuple(kwdefaults),
                       spec)


def _with_flags(kind: int, names: tuple[str, ...], defaults: tuple[Any, ...],
                kwnames: tuple[str, ...], kwdefaults: tuple[Any, ...], spec: ArgSpec) -> _Strategy:
    """A strategy with what a call can see of its context (Access._setup): decided here, once per
    function, so that each new Access of it only copies them."""
    if kind in (_CALL_MAPPED, _CALL_MAPPED_KW):
        keys = frozenset(names) | frozenset(kwnames)
        return (kind, names, defaults, kwnames, kwdefaults, spec,
                bool(keys & _WRITTEN), "text" in keys, "state" in keys)
    sees = kind != _CALL_NONE and kind != _CALL_ARGS
    return kind, names, defaults, kwnames, kwdefaults, spec, sees, sees, sees


def _unbound(strategy: _Strategy) -> _Strategy:
    """The strategy of a bound method, from that of its function: the first positional parameter is
    the instance."""
    kind, names, defaults, kwnames, kwdefaults, spec = strategy[:6]
    if not names:
        return strategy
    names = names[1:]
    defaults = defaults[1:]
    spec_defaults = spec.defaults
    if spec_defaults is not None and len(spec_defaults) > len(names):
        spec_defaults = spec_defaults[1:] or None
    spec = ArgSpec(list(names), spec.varargs, spec.keywords, spec_defaults, spec.kwonlyargs)
    if kind == _CALL_MAPPED and not names:
        kind = _CALL_NONE
    return _with_flags(kind, names, defaults, kwnames, kwdefaults, spec)


_UNKNOWN_SIGNATURE = (_CALL_BOTH, (), (), (), (), ArgSpec([], "args", "kwargs", None, []),
                      True, True, True)


#: type -> whether its instances are function-like (a type's name is computed at each lookup).
_function_types: dict[type, bool] = {}


def _function_like(f: Any) -> bool:
    """A plain Python function or a Cython-compiled one (a cyfunction): compared by identity, so
    its call strategy can be cached per function object."""
    kind = type(f)
    if kind is _FunctionType or kind is _OwnFunctionType:
        return True
    known = _function_types.get(kind)
    if known is None:
        if len(_function_types) > 256:
            _function_types.clear()
        known = issubclass(kind, _FunctionType) or kind.__name__ in _CYFUNCTION_TYPES
        _function_types[kind] = known
    return known


def _remember(target: Any) -> list[Any]:
    """Inspect a function once and cache its strategy while the function lives."""
    key = id(target)

    def forget(ref: Any, key: int = key, cache: dict[int, list[Any]] = _signatures) -> None:
        if cache.get(key, (None,))[0] is ref:
            del cache[key]

    entry: list[Any] = [None, _strategy_of(inspect.signature(target)), None]
    if getattr(target, "__module__", None) in _ENGINE_MODULES:
        # The engine's own functions: kept for good, the entry holding the function itself (no
        # reference to follow; while it lives, no other object has its id).
        entry[0] = target
        _signatures[key] = entry
        return entry
    try:
        entry[0] = weakref.ref(target, forget)
    except TypeError:  # not weakly referenceable: not cached, inspected again next time
        entry[0] = _no_reference
        return entry
    _signatures[key] = entry
    return entry


def _no_reference() -> None:
    return None


#: The type of this module's own functions (plain functions in the pure engine, Cython's in the
#: compiled one): function-like without a lookup.
_OwnFunctionType = type(_no_reference)


def _strategy(f: Any) -> _Strategy:
    """The call strategy of a callable, computed once per function: plain and compiled functions
    and the bound methods of either (which share the entry of their function) are inspected once;
    other callables (callable objects, classes, builtins) on each new Access."""
    target = f
    bound = False
    if type(f) is _MethodType:
        target = f.__func__
        bound = True
    if _function_like(target):
        entry = _signatures.get(id(target))
        if entry is None:
            entry = _remember(target)
        else:
            held = entry[0]
            if held is not target and (type(held) is not _ReferenceType or held() is not target):
                entry = _remember(target)  # (a dead function's id, reused)
        strategy: _Strategy = entry[1]
        if not bound:
            return strategy
        unbound: _Strategy | None = entry[2]
        if unbound is None:
            unbound = entry[2] = _unbound(strategy)
        return unbound
    try:
        return _strategy_of(inspect.signature(f))
    except (TypeError, ValueError):
        # No signature to be had (some builtin classes): the default call passes everything.
        return _UNKNOWN_SIGNATURE


class Access(Abstract):
    """Uniform calling of a value: an Abstract, any callable (with context mapping) or a plain
    value: ``access(*message, **context)``, or without re-packing anything
    ``access.call(message, context)``.
    """

    CALL = "call"
    ABSTRACT = "abstract"
    FUNCTION = "function"
    VALUE = "value"
    OTHER = "other"
    CACHE_ATTR = "__access__"
    CACHEABLE = frozenset({"call", "function"})

    def __init__(self, value: Any) -> None:
        self._setup(value)

    def _setup(self, value: Any) -> None:
        """What the constructor does (a C-level call for the subclasses' constructors and the
        engine's own factories)."""
        self._value: Any = value
        self._names: tuple[str, ...] = ()
        self._defaults: tuple[Any, ...] = ()
        self._kwnames: tuple[str, ...] = ()
        self._kwdefaults: tuple[Any, ...] = ()
        # What a call can see of the context dict it is given, decided once: a walk asks built-in
        # elements without a copy of its context for them when the code they run could see
        # nothing of that copy that the walk's own context does not hold. ``_sees_dict``: the
        # dict itself (``**context``, an Abstract) or a key that handle() writes into the copy;
        # ``_reads_text``: the 'text' key (a parse hands elements the text as an offset);
        # ``_reads_state``: the 'state' key (a process passes built-in elements their state
        # without writing it into the context). A function's come with its cached strategy.
        if isinstance(value, Abstract):
            self._mode = "call"
            #: What the value is: an ArgSpec of a callable, else "abstract", "other" or (of a
            #: Condition) the kind of value compared.
            self._spec: str | ArgSpec = "abstract"
            self._call_kind = _CALL_ABSTRACT
            self._sees_dict = True
            self._reads_text = True
            self._reads_state = True
        elif callable(value):
            self._mode = "function"
            (self._call_kind, self._names, self._defaults, self._kwnames, self._kwdefaults,
             self._spec, self._sees_dict, self._reads_text, self._reads_state) = _strategy(value)
        else:
            self._mode = "value"
            self._spec = "other"
            self._call_kind = _CALL_VALUE
            self._sees_dict = False
            self._reads_text = False
            self._reads_state = False

    @property
    def value(self) -> Any:
        return self._value

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def spec(self) -> Any:
        return self._spec

    def call(self, message: Message, context: Context) -> Any:
        """Call the value with a message sequence and a context dict, as ``__call__`` would.

        The dict is not copied unless the callee takes ``**context``.
        """
        kind = self._call_kind
        f = self._value
        if kind == _CALL_MAPPED:
            names = self._names
            defaults = self._defaults
            if type(context) is dict:
                ctx = context
                n = len(names)
                if n == 1:
                    return f(ctx.get(names[0], defaults[0]))
                if n == 2:
                    return f(ctx.get(names[0], defaults[0]), ctx.get(names[1], defaults[1]))
                if n == 3:
                    return f(ctx.get(names[0], defaults[0]), ctx.get(names[1], defaults[1]),
                             ctx.get(names[2], defaults[2]))
                if cython.compiled:
                    return f(*[ctx.get(names[i], defaults[i]) for i in range(n)])
            return f(*map(context.get, names, defaults))
        if kind == _CALL_VALUE:
            return f
        if kind == _CALL_ARGS:
            if cython.compiled and type(message) is list:
                # A direct call with the items; f(*message) would copy the list into a tuple
                # first, and a *args function builds its own tuple anyway.
                n = len(message)
                if n == 1:
                    return f(message[0])
                if n == 2:
                    return f(message[0], message[1])
            return f(*message)
        if kind == _CALL_NONE:
            return f()
        if kind == _CALL_KWARGS:
            return f(**context)
        if kind == _CALL_MAPPED_KW:
            get = context.get
            kwargs = {name: get(name, default)
                      for name, default in zip(self._kwnames, self._kwdefaults, strict=True)}
            return f(*map(context.get, self._names, self._defaults), **kwargs)
        # _CALL_ABSTRACT and _CALL_BOTH
        return f(*message, **context)

    def __call__(self, *message: Any, **context: Any) -> Any:
        return self.call(message, context)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Access):
            other = other._value
        equal: bool = self._value == other
        return equal

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        # Equal to the value, so hashed like it (unhashable values stay unhashable).
        return hash(self._value)

    def __repr__(self) -> str:
        return f"{self._mode}, {self._spec}: {self._value}"

    __str__ = __repr__

    @staticmethod
    def get_access(obj: Any, cache: bool = False) -> Access:
        """The Access stored on ``obj`` as ``__access__``, or a new one (stored there when
        ``cache`` is set and ``obj`` is callable and accepts attributes)."""
        access: Access | None = getattr(obj, "__access__", None)
        if access is not None:
            return access
        access = Access(obj)
        if cache and access._mode in Access.CACHEABLE:
            try:
                obj.__access__ = access
            except (AttributeError, TypeError):
                pass
        return access


class Condition(Access):
    """A ranked check of a message: ``check(message, context)`` gives ``(rank, result)``; a
    negative rank means "not satisfied".

    The kind of check is decided once, from the value: a function, a number/dict/other value
    compared by equality, a list of conditions, a string (prefix match or, with ``search=True``, a
    search), a compiled regex (match or search), a boolean (identity).
    """

    NUMBER = "number"
    LIST = "list"
    DICT = "dict"
    STRING = "string"
    REGEX = "regex"
    BOOLEAN = "bool"
    NO_CHECK = _NO_CHECK

    def __init__(self, value: Any, *tags: Any, ignore_case: bool = False, search: bool = False,
                 **options: Any) -> None:
        self._setup_condition(value, tags, ignore_case, search, options)

    def _setup_condition(self, value: Any, tags: tuple[Any, ...], ignore_case: Any, search: Any,
                         options: dict[str, Any]) -> None:
        """What the constructor does, with its arguments as they are."""
        Access._setup(self, value)
        self._tags = frozenset(tags) if tags else _NO_TAGS
        self._ignore_case = bool(ignore_case)
        self._search = bool(search)
        self._options = options
        # The items of a list condition (empty for any other kind: no tuple holding the condition
        # itself per condition, which the garbage collector would have to visit).
        self._conditions: tuple[Condition, ...] = ()
        self._length = 0
        # The bound match or search of a regex (str or bytes pattern), None for other kinds.
        self._matcher: Any = None
        if self._mode == "function":
            self._kind = _K_FUNCTION
        elif type(value) is int:
            self._kind = _K_COMPARE
            self._spec = "number"
        elif isinstance(value, (list, tuple)):
            self._kind = _K_LIST
            self._spec = "list"
            self._conditions = tuple(
                Condition(item, *tags, ignore_case=ignore_case, search=search, **options)
                for item in value)
            # A list checks its items: it sees what they see.
            for item in self._conditions:
                if item._sees_dict:
                    self._sees_dict = True
                if item._reads_text:
                    self._reads_text = True
                if item._reads_state:
                    self._reads_state = True
        elif isinstance(value, str):
            self._spec = "string"
            if self._ignore_case:
                self._value = value.upper()
            self._length = len(value)
            self._kind = _K_STRING_SEARCH if self._search else _K_STRING
        elif isinstance(value, _Pattern):
            self._spec = "regex"
            if self._search:
                self._kind = _K_REGEX_SEARCH
                self._matcher = value.search
            else:
                self._kind = _K_REGEX
                self._matcher = value.match
        elif isinstance(value, dict):
            self._kind = _K_COMPARE
            self._spec = "dict"
        elif type(value) is bool:
            self._kind = _K_BOOLEAN
            self._spec = "bool"
        else:
            self._kind = _K_COMPARE

    @property
    def tags(self) -> frozenset[Any]:
        return self._tags

    @property
    def list(self) -> tuple[Condition, ...]:
        """The inner conditions of a list condition; ``(self,)`` for any other."""
        if self._kind == _K_LIST:
            return self._conditions
        return (self,)

    @property
    def ignore_case(self) -> bool:
        return self._ignore_case

    @property
    def search(self) -> bool:
        return self._search

    @property
    def options(self) -> dict[str, Any]:
        """Every option given to the constructor, ``ignore_case`` and ``search`` included."""
        options = dict(self._options)
        options["ignore_case"] = self._ignore_case
        options["search"] = self._search
        return options

    def check(self, message: Message, context: Context) -> Checked:
        """``(rank, result)`` for the message's first item; ``NO_CHECK`` when not satisfied."""
        kind = self._kind
        if kind == _K_FUNCTION:
            r = self.call(message, context)
            if r is True:
                return (0, True)
            if r is None or r is False:
                return _NO_CHECK
            return _function_rank(r)
        if kind == _K_STRING:
            if not message:
                return _NO_CHECK
            first = message[0]
            value = self._value
            if type(first) is str and not self._ignore_case:
                text = first
                if text.startswith(value):
                    return (self._length, value)
                return _NO_CHECK
            try:
                head = first[:self._length]
                if self._ignore_case:
                    head = head.upper()
            except (TypeError, IndexError):
                return _NO_CHECK
            if head == value:
                return (self._length, value)
            return _NO_CHECK
        if kind in (_K_REGEX, _K_REGEX_SEARCH):
            if not message:
                return _NO_CHECK
            m = self._matcher(message[0])
            if m is None:
                return _NO_CHECK
            return (m.end() - m.start() if kind == _K_REGEX else m.end(), m.group(0))
        if kind == _K_COMPARE:
            if message and message[0] == self._value:
                return (max(get_len(self._value), 0), self._value)
            return _NO_CHECK
        if kind == _K_LIST:
            best: Checked = _NO_CHECK
            best_rank: float = -1
            for condition in self._conditions:
                checked = condition.check(message, context)
                if checked[0] > best_rank:
                    best = checked
                    best_rank = checked[0]
            if best_rank >= 0:
                return (best[0], best[1])
            return _NO_CHECK
        if kind == _K_BOOLEAN:
            if message and message[0] is self._value:
                return (0, self._value)
            return _NO_CHECK
        # _K_STRING_SEARCH
        if not message:
            return _NO_CHECK
        text = str(message[0])
        if self._ignore_case:
            text = text.upper()
        pos = text.find(self._value)
        if pos >= 0:
            return (self._length + pos, self._value)
        return _NO_CHECK


def _overrides_check(cls: type) -> bool:
    """Whether a subclass of Condition defines its own ``check`` (then the handler calls it)."""
    for klass in cls.__mro__:
        if klass is Condition:
            return False
        if "check" in klass.__dict__:
            return True
    return False


def _function_rank(r: Any) -> Checked:
    """Read what a condition function returned: a 2-item tuple or list is ``(rank, result)``;
    True is rank 0; a number is its own rank; any other truthy value is rank 0; a falsy value is no
    match."""
    if isinstance(r, (tuple, list)) and len(r) == 2:
        rank = r[0]
        if type(rank) is not int and not isinstance(rank, (int, float)):
            raise TypeError(f"a condition rank must be a number, not {type(rank).__name__}")
        return (rank, r[1])
    if not r:
        return _NO_CHECK
    if r is True:
        return (0, r)
    if isinstance(r, (int, float)):
        return (r, r)
    return (0, r)


class TrueCondition(Condition):
    """Satisfied by anything, with rank 0."""

    def __init__(self) -> None:
        Condition.__init__(self, id(self))

    def check(self, message: Message, context: Context) -> Checked:
        return (0, True)


TRUE_CONDITION = TrueCondition()


class Event(Access):
    """What runs when a condition wins: the value through Access, with optional pre- and post-events
    that answer instead of it when they answer something other than None."""

    RESULT = "result"

    def __init__(self, value: Any) -> None:
        Access._setup(self, value)
        self.pre_event: Event | None = None
        self.post_event: Event | None = None

    @property
    def pre(self) -> Any:
        return self.pre_event._value if self.pre_event is not None else None

    @pre.setter
    def pre(self, value: Any) -> None:
        self.pre_event = Event(value) if value is not None else None

    @property
    def post(self) -> Any:
        return self.post_event._value if self.post_event is not None else None

    @post.setter
    def post(self, value: Any) -> None:
        self.post_event = Event(value) if value is not None else None

    def run(self, message: Message, context: Context) -> tuple[Any, Any]:
        """``(result, source)``: the source is the value that answered."""
        if self.pre_event is not None:
            answer = self.pre_event.run(message, context)
            if answer[0] is not None:
                return answer
        result = self.call(message, context)
        if self.post_event is not None:
            context[_RESULT] = result
            answer = self.post_event.run(message, context)
            if answer[0] is not None:
                return answer
        return (result, self._value)


def _access_of(value: Any) -> Access:
    """``Access(value)`` for the engine's own use (without the constructor's call)."""
    access: Access = Access.__new__(Access)
    access._setup(value)
    return access


def _condition_of(value: Any, tags: tuple[Any, ...]) -> Condition:
    """``Condition(value, *tags)`` for the engine's own registrations, made without packing and
    parsing the constructor's arguments."""
    condition: Condition = Condition.__new__(Condition)
    condition._setup_condition(value, tags, False, False, {})
    return condition


def _event_of(value: Any) -> Event:
    """``Event(value)`` for the engine's own registrations (without the constructor's call)."""
    event: Event = Event.__new__(Event)
    event._setup(value)
    event.pre_event = None
    event.post_event = None
    return event


_FIRST_CHARS_LIMIT = 128  # character classes larger than this are not indexed
_CASE_FLAGS = re.IGNORECASE | re.ASCII  # what decides the characters a str class matches
_folded_chars: dict[tuple[str, int], frozenset[str] | None] = {}  # (source, flags) -> chars


def _first_chars(pattern: re.Pattern[Any], universe: list[str]) -> frozenset[str] | None:
    """The characters a match of a ``str`` regex (match mode) can start with, when that is a
    small known set; None when it is not (then the regex is always tried).

    Under IGNORECASE a character matches more than its lower and upper case (``k`` also matches
    the Kelvin sign, ``s`` the long s), and which more depends on the Python version, so ``re``
    itself decides: the first item is compiled alone as a class with the pattern's case flags
    and run over every code point (``universe``: the caller's holder for that 4 MB string,
    built at most once per plan; the answers are cached per class).
    """
    if _sre_parser is None or not isinstance(pattern.pattern, str):
        return None
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
        first = _sequence_first(list(parsed), parsed.state.flags)
    except Exception:
        return None
    return _resolve(first, universe)


def _resolve(first: frozenset[Any] | None, universe: list[str]) -> frozenset[str] | None:
    """The characters of what ``_item_first`` found (IGNORECASE classes run by ``re``); None
    when unknown or more than the limit."""
    if first is None:
        return None
    chars: set[str] = set()
    folded: dict[int, list[str]] = {}
    for item in first:
        if type(item) is str:
            chars.add(item)
        else:
            folded.setdefault(item[1], []).append(item[0])
    for flags, sources in folded.items():
        matched = _class_chars("|".join(sorted(set(sources))), flags, universe)
        if matched is None:
            return None
        chars |= matched
    return frozenset(chars) if len(chars) <= _FIRST_CHARS_LIMIT else None


_PAIRS_LIMIT = 1024  # a regex with more possible first two characters is indexed by the first


def _first_pairs(pattern: re.Pattern[Any],
                 universe: list[str]) -> list[tuple[frozenset[str], frozenset[str]]] | None:
    """(first characters, second characters) that the first two characters of a match of a
    ``str`` regex (match mode) fall in, pair by pair; None when unknown (a match can be shorter
    than two characters, a repeat of more than one character comes first, ...)."""
    if _sre_parser is None or not isinstance(pattern.pattern, str):
        return None
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
        found = _sequence_pairs(_opened(list(parsed), parsed.state.flags))
    except Exception:
        return None
    if found is None:
        return None
    pairs = []
    size = 0
    for first, second in found:
        firsts, seconds = _resolve(first, universe), _resolve(second, universe)
        if firsts is None or seconds is None:
            return None
        size += len(firsts) * len(seconds)
        if size > _PAIRS_LIMIT:
            return None
        pairs.append((firsts, seconds))
    return pairs


def _opened(items: list[Any], flags: int) -> list[tuple[Any, Any, int]]:
    """``items`` as (op, argument, flags), the items of groups in their place with the group's
    flags (a group changes the flags, not which characters follow which)."""
    c = _sre_constants
    out: list[tuple[Any, Any, int]] = []
    for op, av in items:
        if op is c.SUBPATTERN:
            out.extend(_opened(list(av[3]), (flags | av[1]) & ~av[2]))
        else:
            out.append((op, av, flags))
    return out


def _sequence_pairs(items: list[tuple[Any, Any, int]]) -> list[tuple[Any, Any]] | None:
    c = _sre_constants
    i = 0
    while i < len(items) and items[i][0] is c.AT:
        i += 1  # zero-width at the start
    if i == len(items):
        return None
    op, av, flags = items[i]
    rest = items[i + 1:]
    if op is c.BRANCH:
        pairs: list[tuple[Any, Any]] = []
        for alternative in av[1]:
            more = _sequence_pairs(_opened(list(alternative), flags) + rest)
            if more is None:
                return None
            pairs.extend(more)
        return pairs
    if op is c.MAX_REPEAT or op is c.MIN_REPEAT:
        body = _opened(list(av[2]), flags)
        if av[0] < 1 or len(body) != 1 or not (body[0][0] is c.LITERAL or body[0][0] is c.IN):
            return None
        first = _item_first(*body[0])
        if first is None:
            return None
        second: frozenset[Any] = first if av[1] > 1 else frozenset()  # another round
        if av[0] == 1:  # or what follows the repeat
            after = _rest_first(rest)
            if after is None:
                return None
            second = second | after
        return [(first, second)]
    if op is c.LITERAL or op is c.IN:
        first = _item_first(op, av, flags)
        after = _rest_first(rest)
        if first is None or after is None:
            return None
        return [(first, after)]
    return None


def _rest_first(items: list[tuple[Any, Any, int]]) -> frozenset[Any] | None:
    for op, av, flags in items:
        if op is not _sre_constants.AT:
            return _item_first(op, av, flags)
    return None


def _class_chars(source: str, flags: int, universe: list[str]) -> frozenset[str] | None:
    """Every character the one-character regex ``source`` matches with ``flags`` (None: more
    than the limit), found by ``re`` over all code points."""
    key = (source, flags)
    if key in _folded_chars:
        return _folded_chars[key]
    if not universe:
        universe.append(array("I", range(0x110000)).tobytes().decode("utf-32-le",
                                                                      "surrogatepass"))
    chars: set[str] = set()
    result: frozenset[str] | None = None
    for m in re.compile(source, flags).finditer(universe[0]):
        chars.add(m[0])
        if len(chars) > _FIRST_CHARS_LIMIT:
            break
    else:
        result = frozenset(chars)
    if len(_folded_chars) >= 1024:
        _folded_chars.clear()
    _folded_chars[key] = result
    return result


def _sequence_first(items: list[Any], flags: int) -> frozenset[Any] | None:
    """What the first consumed item of ``items`` can match: characters, and ``(class source,
    flags)`` for IGNORECASE items (resolved by ``_class_chars``); None when unknown."""
    c = _sre_constants
    for op, av in items:
        if op is c.AT:
            continue  # zero-width at the start: the next item decides
        return _item_first(op, av, flags)
    return None  # only zero-width items: the empty string can match


def _item_first(op: Any, av: Any, flags: int) -> frozenset[Any] | None:
    c = _sre_constants
    if op is c.SUBPATTERN:  # (group, flags added, flags removed, items)
        return _sequence_first(list(av[3]), (flags | av[1]) & ~av[2])
    if op is c.MAX_REPEAT or op is c.MIN_REPEAT:
        if av[0] < 1:
            return None
        return _sequence_first(list(av[2]), flags)
    if op is c.BRANCH:
        chars: set[Any] = set()
        for alternative in av[1]:
            first = _sequence_first(list(alternative), flags)
            if first is None:
                return None
            chars |= first
        return frozenset(chars)
    if flags & re.IGNORECASE:
        source = _class_source(op, av)
        return frozenset(((source, flags & _CASE_FLAGS),)) if source is not None else None
    if op is c.LITERAL:
        return frozenset((chr(av),))
    if op is c.IN:
        return _literal_chars(av, _FIRST_CHARS_LIMIT)
    return None


def _literal_chars(items: Any, limit: int) -> frozenset[str] | None:
    """The characters of a parsed class's items when they are all literals and ranges, at most
    ``limit`` of them; None for a category, a negation or more characters."""
    c = _sre_constants
    chars: set[str] = set()
    for kind, value in items:
        if kind is c.LITERAL:
            chars.add(chr(value))
        elif kind is c.RANGE and value[1] - value[0] < limit:
            chars.update(chr(code) for code in range(value[0], value[1] + 1))
        else:
            return None
        if len(chars) > limit:
            return None
    return frozenset(chars)


def _class_source(op: Any, av: Any) -> str | None:
    """A literal or a class as the source of a one-character regex class (None: not one, or it
    matches too many characters to index)."""
    c = _sre_constants
    if op is c.LITERAL:
        return f"[\\U{av:08x}]"
    if op is not c.IN:
        return None  # NOT_LITERAL, ANY...: far more than the limit, or not one character
    categories = {c.CATEGORY_DIGIT: "\\d", c.CATEGORY_SPACE: "\\s", c.CATEGORY_WORD: "\\w"}
    parts = []
    for kind, value in av:
        if kind is c.LITERAL:
            parts.append(f"\\U{value:08x}")
        elif kind is c.RANGE and value[1] - value[0] < _FIRST_CHARS_LIMIT:
            parts.append(f"\\U{value[0]:08x}-\\U{value[1]:08x}")
        elif kind is c.CATEGORY and value in categories:
            parts.append(categories[value])  # how many it matches depends on the flags
        else:
            return None  # NEGATE, a large range, a negated category
    return "[" + "".join(parts) + "]"


class _Plan:
    """The active pairs of a handler for one tag state, grouped for the scan.

    ``generic``: (position, condition) in registration order, checked one by one;
    ``regex``: (position, bound match or search) of regex conditions that are always tried;
    ``regex_index``: first character -> ((position, bound match), ...) of match-mode regexes that
    can only start with a few known characters; ``regex_pairs``: first character -> second
    character -> ((position, bound match), ...) of those whose first two characters are known
    (then not in ``regex_index``); ``regex_indexed``: all of those, for a first item
    that is not a ``str`` (re raises TypeError for it, as it always did);
    ``strings``: first character -> (values, positions, tables) of plain prefix-string conditions;
    a bucket bigger than ``_SCAN_LIMIT`` also has ``tables``: ((length, {value: (first position,
    value)}), ...) longest first, so the longest matching prefix is a few dict lookups, not a scan;
    ``indexed``: (position, condition) of those same string conditions, for a non-string first item.
    """

    def __init__(self, pairs: tuple[Pair, ...]) -> None:
        self.pairs = pairs
        generic = []
        regex = []
        regex_indexed = []
        regex_index: dict[str, list[tuple[int, Any]]] = {}
        regex_pairs: dict[str, dict[str, list[tuple[int, Any]]]] = {}
        indexed = []
        strings: dict[str, list[tuple[str, int]]] = {}
        universe: list[str] = []  # all code points, built only if an uncached class needs them
        for pos, pair in enumerate(pairs):
            condition = pair[0]
            # A subclass's own check() (which may call Condition.check) runs in the generic scan.
            if isinstance(condition, Condition) and not _overrides_check(type(condition)):
                kind = condition._kind
            else:
                kind = _K_CUSTOM
            value: Any = condition._value if kind != _K_CUSTOM else None
            if kind == _K_REGEX:
                entry = (pos, condition._matcher)
                two = _first_pairs(value, universe)
                if two is not None:
                    regex_indexed.append(entry)
                    for firsts, seconds in two:
                        for char in firsts:
                            by_second = regex_pairs.setdefault(char, {})
                            for second in seconds:
                                entries = by_second.setdefault(second, [])
                                if not entries or entries[-1] is not entry:
                                    entries.append(entry)
                    continue
                first = _first_chars(value, universe)
                if first is None:
                    regex.append(entry)
                else:
                    regex_indexed.append(entry)
                    for char in first:
                        regex_index.setdefault(char, []).append(entry)
            elif kind == _K_REGEX_SEARCH:
                regex.append((pos, condition._matcher))
            elif (kind == _K_STRING and not condition._ignore_case and type(value) is str
                  and value):
                strings.setdefault(value[0], []).append((value, pos))
                indexed.append((pos, condition))
            else:
                generic.append((pos, condition))
        self.generic = tuple(generic)
        self.regex = tuple(regex)
        self.regex_indexed = tuple(regex_indexed)
        self.regex_index = {char: tuple(entries) for char, entries in regex_index.items()}
        self.regex_pairs = {char: {second: tuple(entries) for second, entries in by.items()}
                            for char, by in regex_pairs.items()}
        self.indexed = tuple(indexed)
        self.strings = {char: _bucket(entries) for char, entries in strings.items()}
        self.textual = bool(regex) or bool(indexed) or bool(regex_indexed)


def _bucket(entries: list[tuple[str, int]]) -> tuple[Any, ...]:
    """(values, positions, tables or None) of the string conditions sharing a first character."""
    values = tuple(entry[0] for entry in entries)
    positions = tuple(entry[1] for entry in entries)
    if len(entries) <= _SCAN_LIMIT:
        return (values, positions, None)
    by_length: dict[int, dict[str, tuple[int, str]]] = {}
    for value, pos in entries:
        # Equal values rank equally, so only the first registered can win.
        by_length.setdefault(len(value), {}).setdefault(value, (pos, value))
    tables = tuple(sorted(by_length.items(), reverse=True))
    return (values, positions, tables)


def _plan_of(handler: Handler) -> _Plan:
    """The plan ``handler.handle`` uses for its current tags (to inspect the indexes)."""
    return handler._current_plan()


class Handler(Abstract):
    """Condition-event dispatch: ``handle`` runs the event of the best-ranked active condition.

    A pair is active when its condition's tags are a subset of the handler's ``tags``; ``update()``
    asks ``update_tags()`` for the current tags. The active set is remembered per tag state.
    """

    ANSWER = "answer"
    SENDER = "sender"
    CONDITION = "condition"
    EVENT = "event"
    RANK = "rank"
    NO_HANDLE = _NO_HANDLE

    def __init__(self) -> None:
        self._setup_handler()

    def _setup_handler(self) -> None:
        """What the constructor does (a C-level call for the elements' constructors)."""
        #: (condition, event) pairs in registration order (the ``events`` property); None while
        #: ``_lazy``: an element of exactly a built-in class has its own pairs built on first need.
        self._events: list[Pair] = []
        self._lazy = False
        self._tags: frozenset[Any] = _NO_TAGS
        self._unknown_event: Event | None = None
        self._plans: dict[frozenset[Any], _Plan] = {}
        self._plan: _Plan | None = None
        self._plan_tags = self._tags

    # -- the pairs --------------------------------------------------------------------------------
    @property
    def events(self) -> list[Pair]:
        """The (condition, event) pairs in registration order (a live list)."""
        if self._lazy:
            self._build_own()
        return self._events

    @events.setter
    def events(self, value: list[Pair]) -> None:
        # (A pure subclass may assign ``events`` before the base constructor ran: no _lazy yet.)
        if self._lazy if cython.compiled else getattr(self, "_lazy", False):
            self._build_own()  # (what the constructor registered is sealed as before)
        self._events = value

    def _pairs(self) -> list[Pair]:
        """The live pairs, built first if they were not yet (the engine's reads: no property)."""
        if self._lazy:
            self._build_own()
        return self._events

    def _build_own(self) -> None:
        """Build the pairs a lazy element's constructor left out (a plain Handler has none)."""
        self._lazy = False
        self._events = []

    # -- tags -------------------------------------------------------------------------------------

    @property
    def tags(self) -> frozenset[Any]:
        return self._tags

    @tags.setter
    def tags(self, value: Any) -> None:
        # Like the original: the active pairs follow only on update()/update_events().
        self._tags = frozenset(value)

    def update_tags(self) -> Any:
        """The tags of the current state; subclasses compute them (the base keeps the current
        ones)."""
        return self._tags

    def update(self) -> None:
        """Ask ``update_tags()``; on a change, store the tags and switch to their active pairs."""
        tags = self.update_tags()
        if tags != self._tags:
            self._tags = tags if type(tags) is frozenset else frozenset(tags)
            self._activate(self._tags)

    def update_events(self) -> None:
        """Recompute the active pairs for the current tags (forgetting remembered tag states)."""
        self._plans = {}
        self._activate(self._tags)

    def _activate(self, tags: frozenset[Any]) -> _Plan:
        """Switch to the active pairs of ``tags``: a lookup when this tag state was seen before."""
        plan = self._plans.get(tags)
        if plan is None:
            if len(self._plans) >= _MAX_PLANS:
                self._plans = {}
            plan = _Plan(tuple(pair for pair in self._pairs() if pair[0]._tags <= tags))
            self._plans[tags] = plan
        self._plan = plan
        return plan

    def _changed(self) -> None:
        """The pairs changed: the active set is built again, lazily, for the tags of this moment."""
        if self._plans:
            self._plans = {}
        self._plan = None
        self._plan_tags = self._tags

    def _current_plan(self) -> _Plan:
        plan = self._plan
        if plan is None:
            plan = self._activate(self._plan_tags)
        return plan

    @property
    def active_events(self) -> tuple[Pair, ...]:
        """The active (condition, event) pairs, in registration order."""
        return self._current_plan().pairs

    @property
    def unknown_event(self) -> Event | None:
        return self._unknown_event

    @unknown_event.setter
    def unknown_event(self, value: Any) -> None:
        if value is not None and not isinstance(value, Event):
            value = Event(value)
        self._unknown_event = value

    # -- registration -----------------------------------------------------------------------------

    def on_access(self, condition: Condition, event: Event) -> None:
        """Register a Condition and an Event as they are, unless an equal pair is there already."""
        if not isinstance(condition, Condition):
            condition = Condition(condition)
        if not isinstance(event, Event):
            event = Event(event)
        events = self._pairs()
        for c, e in events:
            if c == condition and e == event:
                return
        events.append((condition, event))
        self._changed()

    def on(self, condition: Any, event: Any, *tags: Any) -> None:
        """Register ``Condition(condition, *tags)`` with ``Event(event)``."""
        self.on_access(Condition(condition, *tags), Event(event))

    def on_any(self, event: Any) -> None:
        """Register an event for every message (rank 0)."""
        self.on_access(TRUE_CONDITION, Event(event))

    def off(self, condition: Any, event: Any) -> None:
        """Remove the first pair equal to (condition, event); raw values or wrappers."""
        events = self._pairs()
        for i, (c, e) in enumerate(events):
            if c == condition and e == event:
                del events[i]
                break
        self._changed()

    def off_any(self, event: Any) -> None:
        self.off(TRUE_CONDITION, event)

    def off_condition(self, condition: Any) -> None:
        """Remove every pair of this condition."""
        events = self._pairs()
        events[:] = [pair for pair in events if pair[0] != condition]
        self._changed()

    def off_event(self, event: Any) -> None:
        """Remove every pair of this event."""
        events = self._pairs()
        events[:] = [pair for pair in events if pair[1] != event]
        self._changed()

    def get_events(self, condition: Any = None) -> list[Event]:
        """The Events of a condition; with no condition, those registered with ``on_any``."""
        if not condition:
            condition = TRUE_CONDITION
        return [e for c, e in self._pairs() if c == condition]

    def clear_events(self) -> None:
        del self._pairs()[:]
        self._changed()

    # -- handling ---------------------------------------------------------------------------------

    def handle(self, message: Message, context: Context) -> tuple[Any, ...]:
        """Run the event of the best active condition: ``(result, rank, source)``.

        Sets ``context['sender']`` when missing, and ``rank``, ``condition`` and ``event`` for the
        event. With no satisfied condition: the ``unknown_event``'s ``(result, source)`` or
        ``NO_HANDLE``.
        """
        if _SENDER not in context:
            context[_SENDER] = self
        plan = self._plan
        if plan is None:
            plan = self._current_plan()
        best_rank: float = -1
        best_pos = -1
        best_result: Any = None
        best_match: re.Match[Any] | None = None
        for pos, condition in plan.generic:
            rank, result = condition.check(message, context)
            if rank > best_rank:
                best_rank = rank
                best_pos = pos
                best_result = result
        if plan.textual and message:
            first = message[0]
            for pos, matcher in plan.regex:
                m = matcher(first)
                if m is not None:
                    rank = m.end()
                    if rank > best_rank or (rank == best_rank and pos < best_pos):
                        best_rank = rank
                        best_pos = pos
                        best_match = m
            if type(first) is str:
                text = first
                if text:
                    head = text[0]
                    if plan.regex_index:
                        regexes = plan.regex_index.get(head)
                        if regexes is not None:
                            for pos, matcher in regexes:
                                m = matcher(text)
                                if m is not None:
                                    rank = m.end()
                                    if rank > best_rank or (rank == best_rank
                                                            and pos < best_pos):
                                        best_rank = rank
                                        best_pos = pos
                                        best_match = m
                    if plan.regex_pairs and len(text) > 1:
                        seconds = plan.regex_pairs.get(head)
                        if seconds is not None:
                            regexes = seconds.get(text[1])
                            if regexes is not None:
                                for pos, matcher in regexes:
                                    m = matcher(text)
                                    if m is not None:
                                        rank = m.end()
                                        if rank > best_rank or (rank == best_rank
                                                                and pos < best_pos):
                                            best_rank = rank
                                            best_pos = pos
                                            best_match = m
                    bucket = plan.strings.get(head) if plan.strings else None
                    if bucket is not None:
                        tables = bucket[2]
                        if tables is not None:
                            size = len(text)
                            for length, table in tables:
                                if length <= size:
                                    hit = table.get(text[:length])
                                    if hit is not None:
                                        rank = length
                                        pos = hit[0]
                                        if rank > best_rank or (rank == best_rank
                                                                and pos < best_pos):
                                            best_rank = rank
                                            best_pos = pos
                                            best_result = hit[1]
                                            best_match = None
                                        break
                        elif cython.compiled:
                            values = bucket[0]
                            positions = bucket[1]
                            for i in range(len(values)):
                                value = values[i]
                                if text.startswith(value):
                                    rank = len(value)
                                    pos = positions[i]
                                    if rank > best_rank or (rank == best_rank and pos < best_pos):
                                        best_rank = rank
                                        best_pos = pos
                                        best_result = value
                                        best_match = None
                        else:
                            values = bucket[0]
                            for value in values:
                                if text.startswith(value):
                                    rank = len(value)
                                    # Equal values rank equally: the first one is the one to keep.
                                    pos = bucket[1][values.index(value)]
                                    if rank > best_rank or (rank == best_rank and pos < best_pos):
                                        best_rank = rank
                                        best_pos = pos
                                        best_result = value
                                        best_match = None
            else:
                for pos, matcher in plan.regex_indexed:
                    m = matcher(first)
                    if m is not None:
                        rank = m.end()
                        if rank > best_rank or (rank == best_rank and pos < best_pos):
                            best_rank = rank
                            best_pos = pos
                            best_match = m
                for pos, condition in plan.indexed:
                    rank, result = condition.check(message, context)
                    if rank > best_rank or (rank == best_rank and pos < best_pos):
                        best_rank = rank
                        best_pos = pos
                        best_result = result
                        best_match = None
        if best_rank >= 0:
            if best_match is not None:
                best_result = best_match[0]
            event = plan.pairs[best_pos][1]
            context[_RANK] = best_rank
            context[_CONDITION] = best_result
            context[_EVENT] = event._value
            if type(event) is Event and event.pre_event is None and event.post_event is None:
                # What run() does without pre/post events, without its intermediate pair.
                return (event.call(message, context), best_rank, event._value)
            answer = event.run(message, context)
            return (answer[0], best_rank, answer[1])
        if self._unknown_event is not None:
            return self._unknown_event.run(message, context)
        return _NO_HANDLE

    def __call__(self, *message: Any, **context: Any) -> Any:
        """``handle`` the message: the event's result, or ``(result, rank)`` with
        ``answer='rank'``."""
        answer = context.pop(_ANSWER, None)
        r = self.handle(message, context)
        if answer == _RANK:
            return (r[0], r[1])
        return r[0]
