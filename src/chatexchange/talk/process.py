"""Processes: walking a graph by asking elements and executing their replies.

A process keeps a stack of frames (the current element and its pending items), asks the current
element the query ('next', 'visit', 'error', ...) and splices the reply in front of the pending
items. Command items ('stop', 'push_context', {'proceed': 3}, ...) are handled by the process's own
condition-event pairs.

Speed without changing behaviour: the built-in pairs are still registered (so ``events`` and the
generic Handler selection work as before), but while they are untouched a process selects among
them with a direct dispatch on the item's type instead of re-filtering tags and ranking every pair
at every step; pairs a user adds are still ranked after them, exactly as the generic algorithm
would. Context changes are recorded as plain undo records, and a ParsingProcess consumes text by
moving an offset; the remaining text is sliced only when something that could read it needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .core import Abstract, Access, Event, Handler
from .elements import (
    _CURSOR_TYPES,
    _FOLDED,
    _INDIRECT,
    BACKWARD,
    FORWARD,
    Element,
    LoopRelation,
    SelectiveNotion,
    TextCursor,
)
from .utils import is_list, is_number

if TYPE_CHECKING:
    from typing import TypeAlias

    from .core import Context, Message, Pair
    from .elements import Reply

    #: A string command: (name, command id, the flags it needs, its length = its rank).
    _StrCommand: TypeAlias = tuple[str, int, int, int]
    #: An undo record: (kind, mapping or source, key or offset, had the key, old value), or
    #: (_U_PROCEED, source, offset, context, old last_parsed, old parsed_length).
    _Undo: TypeAlias = tuple[Any, ...]

__all__ = [
    "ParsingProcess",
    "Process",
    "SharedProcess",
    "StackingProcess",
    "StatefulProcess",
    "VisitorProcess",
]

_NO_HANDLE = (False, -1, None)
# Class constants as module names: a method reads them without an attribute lookup.
_S_ADD_CONTEXT = "add_context"
_S_CLEAR_STATE = "clear_state"
_S_CURRENT = "current"
_S_DELETE_CONTEXT = "delete_context"
_S_EMPTY_MESSAGE = "empty_message"
_S_FORGET_CONTEXT = "forget_context"
_S_HAS_STATES = "has_states"
_S_LAST_PARSED = "last_parsed"
_S_MESSAGE = "message"
_S_NEW = "new"
_S_NEXT = "next"
_S_OK = "ok"
_S_PARSED_LENGTH = "parsed_length"
_S_POP_CONTEXT = "pop_context"
_S_PROCEED = "proceed"
_S_PUSH_CONTEXT = "push_context"
_S_SENDER = "sender"
_S_RANK = "rank"
_S_CONDITION = "condition"
_S_EVENT = "event"
_S_QUERY = "query"
_S_SET_STATE = "set_state"
_S_STATE = "state"
_S_STOP = "stop"
_S_TEXT = "text"
_S_TRACKING = "tracking"
_S_UPDATE_CONTEXT = "update_context"
_S_VISIT = "visit"

# Built-in commands (fast-path dispatch ids)
_C_FINISH = 1  # 'stop' / 'ok' and True / False
_C_QUERY = 2
_C_PUSH = 3
_C_POP = 4
_C_CLEAR = 5
_C_ADD = 6
_C_UPDATE = 7
_C_DELETE = 8
_C_PUSH_CONTEXT = 9
_C_POP_CONTEXT = 10
_C_FORGET_CONTEXT = 11
_C_SET_STATE = 12
_C_CLEAR_STATE = 13
_C_PROCEED = 14
_C_TURN = 15

# Requirements of string commands beyond the 'string' tag
_R_NONE, _R_CURRENT, _R_TRACKING, _R_STATES = 0, 1, 2, 4

# Undo record kinds
_U_KEY = 0  # (kind, mapping, key, had, old)
_U_TEXT = 1  # (kind, source, offset, None, None)
_U_PROCEED = 2  # (kind, source, offset, context, old last_parsed, old parsed_length)
#: An undo record's old value of a key the context did not have.
_MISSING: Any = object()

_DIRECTIONS = ("next", "error", "break", "continue")
_STOP_CRITERIA = ("ok", "stop", False)
_GO_CRITERIA = (None, True)

# Methods a subclass may override only if it wants the generic (tag-filtered) selection.
_SELECTION_HOOKS = (
    "update_tags",
    "can_push_queue",
    "can_pop_queue",
    "can_clear_message",
    "can_add_context",
    "can_update_context",
    "can_delete_context",
    "can_set_state",
    "can_proceed",
)


def _defining_class(cls: type, name: str) -> type | None:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


class Process(Handler):
    """Walks a graph: asks the current element the query and executes the replies."""

    NEW = "new"
    OK = "ok"
    STOP = "stop"
    QUERY = "query"
    NEXT = "next"
    PREVIOUS = "previous"
    CURRENT = "current"
    MESSAGE = "message"
    EMPTY_MESSAGE = "empty_message"
    FORWARD = FORWARD
    BACKWARD = BACKWARD
    STOP_CRITERIA = _STOP_CRITERIA
    GO_CRITERIA = _GO_CRITERIA

    def __init__(self) -> None:
        Handler.__init__(self)
        self._context: Context = {}
        # The last step (its value, rank, source) and the context keys it has not written yet;
        # a fused or folded step keeps only its command (_r_step, _p_step; 0: none) instead.
        self._r_value: Any = None
        self._r_rank: float = -1
        self._r_source: Any = None
        self._r_step = 0
        self._p_rank: Any = None
        self._p_condition: Any = None
        self._p_event: Any = None
        self._p_step = 0
        self._pending = False
        self._keys_in = False
        self._sel_rank: float = -1
        self._sel_condition: Any = None
        self._query = "next"
        self._folding = False
        # Whether the class runs its own ask() and context_set() (decided per class in run()).
        self._own_ask = False
        self._own_set = False
        # The element (or any callable) being asked, and the pending items of the top frame.
        self._current: Any = None
        self._message: list[Any] = []
        # The frames below the top one: their elements and pending items, slots 0.._depth-1. The
        # lists only grow (a freed slot holds None): pushing and popping a frame at a small depth
        # then writes a slot, where list.append/pop would reallocate the list each time.
        self._below_current: list[Any] = []
        self._below_message: list[Any] = []
        self._depth = 0
        self._str_commands: dict[str, _StrCommand] = {}
        self._str_order: list[_StrCommand] = []
        self._dict_commands: list[int] = []
        self._push_callables = True
        self._builtin: list[Pair] = []
        self._command_events: dict[int, Any] = {}
        self._command_list: list[Any] = []
        self._dict_mask = 0
        self.on(("stop", "ok"), self.do_finish, "string")
        self._string_command("stop", _C_FINISH, _R_NONE)
        self._string_command("ok", _C_FINISH, _R_NONE)
        self.on((True, False), self.do_finish, "bool")
        self.on("query", self.do_query, "string", "current")
        self._string_command("query", _C_QUERY, _R_CURRENT)
        self.on(self.can_push_queue, self.do_queue_push, "other")
        self.on(self.can_pop_queue, self.do_queue_pop, "empty_message")
        self.on(self.can_clear_message, self.do_clear_message, "message")
        self._seal()

    # -- registration of the built-in pairs --------------------------------------------------------
    def _string_command(self, name: str, command: int, requires: int) -> None:
        entry = (name, command, requires, len(name))
        self._str_commands[name] = entry
        self._str_order.append(entry)

    def _seal(self) -> None:
        self._builtin = list(self._pairs())
        values = {}
        for pair in self._builtin:
            value = pair[1].value
            command = _EVENT_COMMANDS.get(getattr(value, "__name__", None))
            if command is not None and command not in values:
                values[command] = value
        self._command_events = values
        mask = 0
        for command in self._dict_commands:
            mask |= 1 << command
        self._dict_mask = mask
        # The same by command number, for the direct dispatch (a list index, not a dict lookup).
        self._command_list = [values.get(command) for command in range(_C_TURN + 1)]

    def _can_fast(self) -> bool:
        """The direct dispatch is exact while the built-in pairs are untouched and no selection
        hook is overridden; user pairs registered after them are ranked as usual."""
        if self.unknown_event is not None:
            return False
        events = self._pairs()
        builtin = self._builtin
        if len(events) < len(builtin):
            return False
        for i, pair in enumerate(builtin):
            if events[i] is not pair:
                return False
            event = pair[1]
            if event.pre_event is not None or event.post_event is not None:
                return False
        cls = type(self)
        fast = _FAST_TYPES.get(cls)
        if fast is None:
            fast = all(
                _defining_class(cls, name) in _OWN_CLASSES
                for name in _SELECTION_HOOKS
                if _defining_class(cls, name) is not None
            )
            _FAST_TYPES[cls] = fast
        return fast

    # -- read-only views ------------------------------------------------------------------------
    @property
    def context(self) -> Context:
        self._flush()
        return self._context

    @context.setter
    def context(self, value: Context) -> None:
        self._forget_keys()
        self._context = value

    @property
    def current(self) -> Any:
        return self._current

    @property
    def message(self) -> list[Any]:
        return list(self._message)

    @property
    def query(self) -> str:
        return self._query

    @property
    def depth(self) -> int:
        """How many frames are on the stack (1 for a fresh process)."""
        return self._depth + 1

    # -- frames -----------------------------------------------------------------------------------
    def _push_frame(self, current: Any, message: list[Any]) -> None:
        depth = self._depth
        if depth < len(self._below_current):
            self._below_current[depth] = self._current
            self._below_message[depth] = self._message
        else:
            self._below_current.append(self._current)
            self._below_message.append(self._message)
        self._depth = depth + 1
        self._current = current
        self._message = message

    def _pop_frame(self) -> None:
        depth = self._depth - 1
        if depth < 0:
            raise IndexError("no frame below the top one")
        below = self._below_current
        self._current = below[depth]
        # The slot lets go of the element (the process may move on to others at this depth); the
        # message slot keeps the list it restores, which is the live one now.
        below[depth] = None
        self._message = self._below_message[depth]
        self._depth = depth

    def to_queue(self, message: Iterable[Any], current: Any = None) -> None:
        """Run ``message`` next: in the top frame when it has nothing pending, else in a new one."""
        if not self._message:
            self._message = list(message)
            if current is not None:
                self._current = current
        else:
            self._push_frame(current if current is not None else self._current, list(message))

    def set_message(self, reply: Reply, insert: bool = False) -> None:
        """Put a reply's items (a list or tuple is spread one level) before the pending ones."""
        if insert:
            if is_list(reply):
                self._message[0:0] = reply
            else:
                self._message.insert(0, reply)
        else:
            self._message = list(reply) if is_list(reply) else [reply]

    def skip(self) -> None:
        """Drop the next pending item (popping finished frames first)."""
        while not self._message and self._depth:
            self._pop_frame()
        if self._message:
            del self._message[0]

    # -- calling ---------------------------------------------------------------------------------
    def handle(self, message: Message, context: Context) -> tuple[Any, ...]:
        if message and message[0] == _S_NEW:
            self.on_new(list(message[1:]), context)
        else:
            self.on_resume(list(message), context)
        return self.run()

    def on_new(self, message: list[Any], context: Context) -> None:
        self._forget_keys()
        self._below_current = []
        self._below_message = []
        self._depth = 0
        self._current = None
        self._message = message
        self._context = context

    def on_resume(self, message: list[Any], context: Context) -> None:
        if message:
            self.to_queue(message)
        self._flush()
        self._context.update(context)

    def run(self) -> tuple[Any, ...]:
        """The main loop: handle the head of the top frame until a stop or nothing is left."""
        own = _own_methods(type(self))
        self._own_ask = own[0]
        self._own_set = own[1]
        if not self._can_fast():
            result = _NO_HANDLE
            while self._message or self._depth:
                self.sync()
                self.update()
                result = Handler.handle(self, self._message, self._context)
                head = result[0]
                if head in _STOP_CRITERIA:
                    break
                if head in _GO_CRITERIA:
                    continue
                self.set_message(head, True)
            self.sync()
            return result
        extra = self._pairs()[len(self._builtin) :]
        fuse = not extra
        # Folding a loop's bookkeeping commands into its query needs the class's own commands.
        self._folding = fuse and _folds(type(self))
        stop = False
        stepped = False
        try:
            while self._message or self._depth:
                self._fast_step(extra)
                stepped = True
                while True:
                    head = self._r_value
                    if head is None or head is True:
                        if fuse and self._fused():
                            continue
                        break
                    kind = type(head)
                    # Replies that cannot equal a stop or go value are spliced in at once.
                    if kind is tuple or kind is list:
                        self._message[0:0] = head
                    elif kind in _CURSOR_TYPES:
                        self._message.insert(0, head)
                    elif head in _STOP_CRITERIA:
                        stop = True
                    elif head not in _GO_CRITERIA:
                        self.set_message(head, True)
                    break
                if stop:
                    break
        finally:
            self._folding = False
            self._flush()
        self.sync()
        if not stepped:
            return _NO_HANDLE
        step = self._r_step
        if step:
            return (self._r_value, _STEP_KEYS[step][0], self._command_list[step])
        return (self._r_value, self._r_rank, self._r_source)

    # -- the step's own context keys, written when they can be seen ---------------------------
    def _note(self, rank: float, condition: Any, event: Any) -> None:
        """A built-in step's ``rank``, ``condition`` and ``event`` for the context (and ``sender``
        when missing). Kept here until something could read them (``_flush``): user code given
        the context, a copy of it, a context command, the ``context`` property, the end of the run.
        The first step of a context writes them at once, so the keys keep their order."""
        self._r_rank = rank
        self._r_source = event
        self._r_step = 0
        if self._keys_in:
            self._pending = True
            self._p_step = 0
            self._p_rank = rank
            self._p_condition = condition
            self._p_event = event
            return
        context = self._context
        if _S_SENDER not in context:
            context[_S_SENDER] = self
        context[_S_RANK] = rank
        context[_S_CONDITION] = condition
        context[_S_EVENT] = event
        self._keys_in = True

    def _note_step(self, command: int) -> None:
        """``_note`` of a fused or folded step of a built-in command, whose rank and condition
        are the command's own (``_STEP_KEYS``): only the command is kept until the keys are
        written."""
        if self._keys_in:
            self._r_step = command
            self._pending = True
            self._p_step = command
            return
        keys = _STEP_KEYS[command]
        self._note(keys[0], keys[1], self._command_list[command])

    def _flush(self) -> None:
        """Write the kept rank, condition and event of the last step into the context."""
        if self._pending:
            self._pending = False
            context = self._context
            if _S_SENDER not in context:
                context[_S_SENDER] = self
            step = self._p_step
            if step:
                keys = _STEP_KEYS[step]
                context[_S_RANK] = keys[0]
                context[_S_CONDITION] = keys[1]
                context[_S_EVENT] = self._command_list[step]
            else:
                context[_S_RANK] = self._p_rank
                context[_S_CONDITION] = self._p_condition
                context[_S_EVENT] = self._p_event

    def _forget_keys(self) -> None:
        """The context may have lost its step keys (a new context, a deletion, an undo): write
        what is kept now, and the next step's at once."""
        self._flush()
        self._keys_in = False

    def sync(self) -> None:
        """Bring the context up to date (the remaining text of a ParsingProcess)."""

    # -- the direct dispatch ---------------------------------------------------------------------
    def _flags(self) -> int:
        return _R_CURRENT if self._current else 0

    def _select(self) -> int:
        """The command of the built-in pair the generic selection would pick for the head of the top
        frame (its rank and condition result in ``_sel_rank`` and ``_sel_condition``), or 0."""
        message = self._message
        if not message:
            self._sel_rank = 0
            self._sel_condition = True
            return _C_POP
        item = message[0]
        if isinstance(item, str):
            entry = self._str_commands.get(item)
            if entry is not None and not (entry[2] & ~self._flags()):
                self._sel_rank = entry[3]
                self._sel_condition = entry[0]
                return entry[1]
            best = None
            top = -1
            flags = -1
            for entry in self._str_order:
                if entry[3] > top and item.startswith(entry[0]):
                    if flags < 0:
                        flags = self._flags()
                    if not (entry[2] & ~flags):
                        best = entry
                        top = entry[3]
            if best is not None:
                self._sel_rank = top
                self._sel_condition = best[0]
                return best[1]
            if not item:
                self._sel_rank = 0
                self._sel_condition = True
                return _C_CLEAR
            return 0
        if item is True or item is False:
            self._sel_rank = 0
            self._sel_condition = item
            return _C_FINISH
        if isinstance(item, dict):
            if not item:
                self._sel_rank = 0
                self._sel_condition = True
                return _C_CLEAR
            if len(item) == 1:
                # Each dict command looks at its own key only: one key, one candidate.
                for key in item:
                    command = _DICT_KEYS.get(key, 0)
                    if (
                        command
                        and (self._dict_mask >> command) & 1
                        and self._dict_ready(command, item)
                    ):
                        self._sel_rank = 0
                        self._sel_condition = True
                        return command
                return 0
            for command in self._dict_commands:
                if self._dict_ready(command, item):
                    self._sel_rank = 0
                    self._sel_condition = True
                    return command
            return 0
        if self._push_callables:
            if callable(item):
                self._sel_rank = 0
                self._sel_condition = True
                return _C_PUSH
        elif isinstance(item, Abstract):
            self._sel_rank = 0
            self._sel_condition = True
            return _C_PUSH
        if not item:
            self._sel_rank = 0
            self._sel_condition = True
            return _C_CLEAR
        return 0

    def _dict_ready(self, command: int, item: Any) -> bool:
        return False

    def _fast_step(self, extra: list[Pair]) -> None:
        """One step by the direct dispatch; its value, rank and source in ``_r_value``,
        ``_r_rank``, ``_r_source``."""
        command = self._select()
        rank = self._sel_rank if command else -1
        if extra:
            self._flush()
            context = self._context
            if _S_SENDER not in context:
                context[_S_SENDER] = self
            self.sync()
            tags = self.update_tags()
            message = self._message
            condition = self._sel_condition
            winner = None
            for pair in extra:
                if pair[0].tags <= tags:
                    extra_rank, extra_result = pair[0].check(message, context)
                    if extra_rank > rank:
                        rank = extra_rank
                        condition = extra_result
                        winner = pair
            if winner is not None:
                event = winner[1]
                context[_S_RANK] = rank
                context[_S_CONDITION] = condition
                context[_S_EVENT] = event.value
                value, source = event.run(self._message, context)
                self._r_value = value
                self._r_rank = rank
                self._r_source = source
                self._r_step = 0
                return
        if rank < 0:
            if not self._pending:
                context = self._context
                if _S_SENDER not in context:
                    context[_S_SENDER] = self
            self._r_value = False
            self._r_rank = -1
            self._r_source = None
            self._r_step = 0
            return
        event = self._command_list[command]
        self._note(rank, self._sel_condition, event)
        self._r_value = self._execute(command)

    def _fused(self) -> bool:
        """The step that always follows a step that went on, done at once when no user pair can
        compete: popping a finished frame, or asking the current element a pending query; while
        folding (``_folding``), also pushing a built-in element (and asking it, ``_fold_next``).
        The context and the result are what the separate steps would leave; False when there is
        none."""
        message = self._message
        if not message:
            if not self._depth:
                return False
            self._pop_frame()
            self._note_step(_C_POP)
            self._r_value = None
            return True
        head = message[0]
        if head is None or (type(head) is dict and not head):
            del message[0]
            self._note_step(_C_CLEAR)
            self._r_value = None
            return True
        if type(head) is str and head == _S_QUERY and self._current:
            self._note_step(_C_QUERY)
            self._r_value = self.do_query()
            return True
        if self._folding and isinstance(head, Element):
            builtin: Element = head
            if builtin._cursor_type:
                del message[0]
                self._r_value = self._fold_next(head)
                return True
        return False

    def _fold_next(self, item: Any) -> Reply:
        """The step pushing ``item``, a built-in element taken from the pending items, for a
        process that folds (``StatefulProcess`` also asks it)."""
        self._fold_push(item)
        return None

    def _execute(self, command: int) -> Reply:
        # One flat dispatch, the most frequent commands first. A subclass's command is called
        # through a local of that class (only that class registers it): compiled, a C-level call.
        if command == _C_QUERY:
            return self.do_query()
        if command == _C_PUSH:
            return self.do_queue_push()
        if command == _C_POP:
            return self.do_queue_pop()
        # (For type checkers these locals are Any: self is the subclass that registered it.)
        if command == _C_PROCEED:
            parsing: Any = self
            return parsing.do_proceed()
        if command == _C_CLEAR:
            return self.do_clear_message()
        if command == _C_SET_STATE:
            stateful: Any = self
            return stateful.do_set_state()
        if command == _C_PUSH_CONTEXT:
            stacking: Any = self
            return stacking.do_push_context()
        if command == _C_FORGET_CONTEXT:
            stacking = self
            return stacking.do_forget_context()
        if command == _C_CLEAR_STATE:
            stateful = self
            return stateful.do_clear_state()
        if command == _C_TURN:
            parsing = self
            return parsing.do_turn()
        if command == _C_FINISH:
            return self.do_finish()
        if command == _C_ADD:
            shared: Any = self
            return shared.do_add_context()
        if command == _C_UPDATE:
            shared = self
            return shared.do_update_context()
        if command == _C_DELETE:
            shared = self
            return shared.do_delete_context()
        if command == _C_POP_CONTEXT:
            stacking = self
            return stacking.do_pop_context()
        raise ValueError(f"unknown command {command}")

    # -- built-in conditions and events ------------------------------------------------------------
    def update_tags(self) -> set[str]:
        tags = set()
        message = self._message
        if message:
            tags.add(_S_MESSAGE)
            item = message[0]
            if isinstance(item, str):
                tags.add("string")
            elif type(item) is bool:
                tags.add("bool")
            elif isinstance(item, dict):
                tags.add("dict")
            else:
                tags.add("other")
        else:
            tags.add(_S_EMPTY_MESSAGE)
        if self._current:
            tags.add(_S_CURRENT)
        return tags

    def do_finish(self) -> Any:
        """Pop 'stop' / 'ok' / True / False and return it (a prefixed 'okay' counts as 'ok')."""
        message = self._message
        item = message[0]
        del message[0]
        if isinstance(item, str):
            return _S_STOP if item.startswith(_S_STOP) else _S_OK
        return item

    def can_push_queue(self) -> bool:
        item = self._message[0]
        return isinstance(item, Abstract) or callable(item)

    def do_queue_push(self) -> None:
        message = self._message
        item = message[0]
        del message[0]
        if message:
            self._push_frame(item, [_S_QUERY])
        else:
            self._current = item
            self._message.append(_S_QUERY)
        return None

    def can_pop_queue(self) -> bool:
        return self._depth > 0

    def do_queue_pop(self) -> None:
        self._pop_frame()
        return None

    def can_clear_message(self) -> bool:
        return not self._message[0]

    def do_clear_message(self) -> None:
        del self._message[0]
        return None

    def _fold_push(self, item: Any) -> None:
        """What the step pushing ``item`` (an element put before the pending items) would do,
        for a fold: its keys noted, the element asked next."""
        self._note_step(_C_PUSH)
        message = self._message
        if message:
            self._push_frame(item, [_S_QUERY])
        else:
            self._current = item
            message.append(_S_QUERY)

    def do_query(self) -> Reply:
        """Ask the current element the query; every falsy reply means 'go on'."""
        del self._message[0]
        reply = self.ask(self._current)
        return reply or True

    def ask(self, element: Any) -> Reply:
        """Call ``element(query, **context)`` (context-mapped for a plain callable)."""
        builtin = element if isinstance(element, Element) else None
        if builtin is not None and builtin._cursor_type and "answer" not in self._context:
            # What Handler.__call__ would do for a built-in element, without re-packing; without
            # even the copy of the context when nothing that runs could see it.
            reply = builtin._reply(
                self._query, self._context, None, self._context.get(_S_STATE), False
            )
            if reply is not _INDIRECT:
                return reply
            self._flush()
            return builtin.handle((self._query,), dict(self._context))[0]
        self._flush()
        if isinstance(element, Abstract):
            return element(self._query, **self._context)
        return Access.get_access(element, True)(self._query, **self._context)

    def _ask_bare(self, element: Any, state: Any) -> Reply:
        """What ask(element) gives while the context holds the element's ``state`` (None: an
        empty one) as 'state', without writing it there: only a built-in element's direct reply
        that runs no code that could read the key; ``_INDIRECT`` otherwise."""
        builtin = element if isinstance(element, Element) else None
        if builtin is None or not builtin._cursor_type:
            return _INDIRECT
        return builtin._reply(self._query, self._context, None, state, True)


class SharedProcess(Process):
    """Adds the context commands: {'add_context': {...}}, {'update_context': {...}},
    {'delete_context': key or [keys]}."""

    ADD_CONTEXT = "add_context"
    UPDATE_CONTEXT = "update_context"
    DELETE_CONTEXT = "delete_context"

    def __init__(self) -> None:
        Process.__init__(self)
        self.on(self.can_add_context, self.do_add_context, "dict")
        self.on(self.can_update_context, self.do_update_context, "dict")
        self.on(self.can_delete_context, self.do_delete_context, "dict")
        self._dict_commands.extend((_C_ADD, _C_UPDATE, _C_DELETE))
        self._seal()

    def _dict_ready(self, command: int, item: Any) -> bool:
        if command == _C_ADD:
            return isinstance(item.get(_S_ADD_CONTEXT), dict)
        if command == _C_UPDATE:
            return isinstance(item.get(_S_UPDATE_CONTEXT), dict)
        if command == _C_DELETE:
            return _S_DELETE_CONTEXT in item
        return False

    def can_add_context(self) -> bool:
        return isinstance(self._message[0].get(_S_ADD_CONTEXT), dict)

    def can_update_context(self) -> bool:
        return isinstance(self._message[0].get(_S_UPDATE_CONTEXT), dict)

    def can_delete_context(self) -> bool:
        return _S_DELETE_CONTEXT in self._message[0]

    def do_add_context(self) -> None:
        self._flush()
        for key, value in self._message[0].pop(_S_ADD_CONTEXT).items():
            self.context_add(key, value)

    def do_update_context(self) -> None:
        self._flush()
        for key, value in self._message[0].pop(_S_UPDATE_CONTEXT).items():
            self.context_set(key, value)

    def do_delete_context(self) -> None:
        self._forget_keys()
        keys = self._message[0].pop(_S_DELETE_CONTEXT)
        for key in keys if is_list(keys) else (keys,):
            if key in self._context:
                self.context_delete(key)

    def context_add(self, key: str, value: Any) -> None:
        """Add ``key`` unless the context has it already."""
        if key not in self._context:
            self.context_set(key, value)

    def context_set(self, key: str, value: Any) -> None:
        self._flush()
        self._context[key] = value

    def context_delete(self, key: str) -> None:
        self._forget_keys()
        del self._context[key]


def _record_in(group: list[_Undo], mapping: dict[Any, Any], key: Any) -> None:
    """Record in undo ``group`` how to restore ``mapping[key]`` (or its absence)."""
    if key in mapping:
        group.append((_U_KEY, mapping, key, True, mapping[key]))
    else:
        group.append((_U_KEY, mapping, key, False, None))


class StackingProcess(SharedProcess):
    """Adds undo groups: 'push_context' starts one, 'pop_context' rolls it back, 'forget_context'
    keeps its changes. Context changes (and element states) are recorded in the top group."""

    PUSH_CONTEXT = "push_context"
    POP_CONTEXT = "pop_context"
    FORGET_CONTEXT = "forget_context"
    TRACKING = "tracking"

    def __init__(self) -> None:
        self._undo: list[list[_Undo]] = []
        SharedProcess.__init__(self)
        self.on(_S_PUSH_CONTEXT, self.do_push_context, "string")
        self.on(_S_POP_CONTEXT, self.do_pop_context, "tracking", "string")
        self.on(_S_FORGET_CONTEXT, self.do_forget_context, "tracking", "string")
        self._string_command(_S_PUSH_CONTEXT, _C_PUSH_CONTEXT, _R_NONE)
        self._string_command(_S_POP_CONTEXT, _C_POP_CONTEXT, _R_TRACKING)
        self._string_command(_S_FORGET_CONTEXT, _C_FORGET_CONTEXT, _R_TRACKING)
        self._seal()

    @property
    def undo_depth(self) -> int:
        """How many undo groups are open."""
        return len(self._undo)

    def on_new(self, message: list[Any], context: Context) -> None:
        SharedProcess.on_new(self, message, context)
        self._undo = []

    def _flags(self) -> int:
        flags = _R_CURRENT if self._current else 0
        if self._undo:
            flags |= _R_TRACKING
        return flags

    def update_tags(self) -> set[str]:
        tags = SharedProcess.update_tags(self)
        if self._undo:
            tags.add(_S_TRACKING)
        return tags

    def _record(self, mapping: dict[Any, Any], key: Any) -> None:
        undo = self._undo
        if undo:
            _record_in(undo[len(undo) - 1], mapping, key)

    def _undo_record(self, record: _Undo) -> None:
        _kind, mapping, key, had, old = record
        if had:
            mapping[key] = old
        else:
            mapping.pop(key, None)

    def context_set(self, key: str, value: Any) -> None:
        self._flush()
        self._record(self._context, key)
        self._context[key] = value

    def context_delete(self, key: str) -> None:
        self._forget_keys()
        self._record(self._context, key)
        del self._context[key]

    def do_push_context(self) -> None:
        del self._message[0]
        self._undo.append([])

    def do_pop_context(self) -> None:
        del self._message[0]
        self._flush()
        group = self._undo.pop()
        for record in reversed(group):
            self._undo_record(record)
        self._keys_in = False

    def do_forget_context(self) -> None:
        del self._message[0]
        self._undo.pop()


class StatefulProcess(StackingProcess):
    """Adds private element states: {'set_state': value} and 'clear_state'; an element sees its own
    state as context['state'] while it is asked."""

    STATE = "state"
    SET_STATE = "set_state"
    CLEAR_STATE = "clear_state"
    HAS_STATES = "has_states"

    def __init__(self) -> None:
        self._states: dict[Any, Any] = {}
        StackingProcess.__init__(self)
        self.on(self.can_set_state, self.do_set_state, "current", "dict")
        self.on(_S_CLEAR_STATE, self.do_clear_state, "current", "has_states", "string")
        self._dict_commands.append(_C_SET_STATE)
        self._string_command(_S_CLEAR_STATE, _C_CLEAR_STATE, _R_CURRENT | _R_STATES)
        self._seal()

    @property
    def states(self) -> MappingProxyType[Any, Any]:
        """Element -> state, read-only."""
        return MappingProxyType(self._states)

    def on_new(self, message: list[Any], context: Context) -> None:
        StackingProcess.on_new(self, message, context)
        self._states = {}

    def _flags(self) -> int:
        flags = _R_CURRENT if self._current else 0
        if self._undo:
            flags |= _R_TRACKING
        if self._states:
            flags |= _R_STATES
        return flags

    def update_tags(self) -> set[str]:
        tags = StackingProcess.update_tags(self)
        if self._states:
            tags.add(_S_HAS_STATES)
        return tags

    def _dict_ready(self, command: int, item: Any) -> bool:
        if command == _C_SET_STATE:
            return bool(self._current) and _S_SET_STATE in item
        return StackingProcess._dict_ready(self, command, item)

    def can_set_state(self) -> bool:
        return _S_SET_STATE in self._message[0]

    def do_set_state(self) -> None:
        value = self._message[0].pop(_S_SET_STATE)
        self._record(self._states, self._current)
        self._states[self._current] = value

    def do_clear_state(self) -> None:
        del self._message[0]
        if self._current in self._states:
            self._record(self._states, self._current)
            del self._states[self._current]

    def do_query(self) -> Reply:
        del self._message[0]
        context = self._context
        current = self._current
        state = self._states.get(current)
        if self._own_ask and _S_STATE not in context and "answer" not in context:
            # _query_bare written out: one call less per question for the pure engine.
            if self._folding and type(current) is LoopRelation and state is not None:
                reply = self._fold_loop(current, state)
                if reply is not None:
                    return reply
            reply = self._ask_bare(current, state)
            if reply is not _INDIRECT:
                return reply or True
        context[_S_STATE] = {} if state is None else state
        try:
            reply = self.ask(current)
        finally:
            context.pop(_S_STATE, None)
        return reply or True

    def _query_bare(self, current: Any) -> Reply:
        """do_query's question once it is known that the class runs its own ``ask`` and the
        context has neither 'state' nor 'answer': a built-in element gets its state as an
        argument (written, and removed again, only when the element would run code that could
        read it); a looping loop's next iteration may be folded."""
        state = self._states.get(current)
        # (Folding needs the class's own ask: _folding implies _own_ask.)
        if self._folding and type(current) is LoopRelation and state is not None:
            reply = self._fold_loop(current, state)
            if reply is not None:
                return reply
        reply = self._ask_bare(current, state)
        if reply is not _INDIRECT:
            return reply or True
        return self._ask_in_state(current, state)

    def _fold_push_query(self, item: Any) -> Reply:
        """What the step pushing ``item`` (a built-in element put before the pending items) and
        the query step after it would do, for a fold: each step's keys noted, the element asked
        (without the 'query' item the push would add and the query would take again). Only
        when the context is known to have neither 'state' nor 'answer'. A loop is only pushed:
        asking it here could fold its next iteration inside this one, and so on for as long as
        the walk goes through it (one nested call a token)."""
        if type(item) is LoopRelation:
            self._fold_push(item)
            return True
        return self._push_query(item)

    def _fold_next(self, item: Any) -> Reply:
        """The step pushing ``item`` (see ``Process._fold_next``) and the query step after it,
        unless the context has a 'state' or 'answer' key (then the query step follows as usual)."""
        context = self._context
        if _S_STATE in context or "answer" in context:
            self._fold_push(item)
            return None
        return self._push_query(item)

    def _push_query(self, item: Any) -> Reply:
        """The steps of ``_fold_push_query`` for any built-in element, a loop too."""
        self._note_step(_C_PUSH)
        if self._message:
            self._push_frame(item, [])
        else:
            self._current = item
        self._note_step(_C_QUERY)
        return self._query_bare(item)

    def _ask_in_state(self, current: Any, state: Any) -> Reply:
        """Ask ``current`` with its ``state`` (None: an empty one) as the context's 'state'."""
        context = self._context
        context[_S_STATE] = {} if state is None else state
        try:
            reply = self.ask(current)
        finally:
            context.pop(_S_STATE, None)
        return reply or True

    def _fold_loop(self, loop: LoopRelation, state: Any) -> Reply | None:
        """A looping '*'/count loop's next iteration without its bookkeeping steps: what the
        steps of its reply ``[forget_context?, {'set_state': {'i': i}}, push_context?, object,
        loop]`` would do up to ``object`` (each step's keys noted as the step would note them),
        done here; the reply's rest is returned, or True when ``object`` is a built-in element
        (then the step pushing it is done here too). Only while no user pair could compete with a
        step (``_folding``) and the element would be asked without a copy of the context; None
        otherwise (then it is asked). The caller has checked that the context has neither
        'state' nor 'answer'."""
        if not self._current:
            return None
        i = loop._next_iteration(self._query, state)
        if i is None:
            return None
        undo = self._undo
        flexible = loop._kind()[0]
        if flexible:
            if not undo:
                return None  # 'forget_context' would find no group: leave it to the steps
            self._note_step(_C_FORGET_CONTEXT)
            # The group is dropped here and a new one takes its place below (push_context):
            # the state's record goes to the group the drop uncovers, if any.
            self._note_step(_C_SET_STATE)
            if len(undo) > 1:
                _record_in(undo[len(undo) - 2], self._states, loop)
        else:
            self._note_step(_C_SET_STATE)
            self._record(self._states, loop)
        self._states[loop] = {_ITERATION: i}
        self._note_step(_C_CLEAR)
        if flexible:
            self._note_step(_C_PUSH_CONTEXT)
            undo[len(undo) - 1] = []
        obj = loop._object
        if isinstance(obj, Element):
            builtin: Element = obj
            if builtin._cursor_type:
                # The reply's next steps too: pushing ``obj`` before the loop and asking it
                # (nothing ran since the caller found neither 'state' nor 'answer').
                self._message.insert(0, loop)
                return self._fold_push_query(obj)
        return (obj, loop)


class ParsingProcess(StatefulProcess):
    """Adds parsing: {'proceed': n} consumes n characters of context['text'], and 'next', 'error',
    'break', 'continue' turn the query (backward ones drop the rest of the top frame)."""

    PROCEED = "proceed"
    ERROR = "error"
    BREAK = "break"
    CONTINUE = "continue"
    PARSED_LENGTH = "parsed_length"
    TEXT = "text"
    LAST_PARSED = "last_parsed"

    def __init__(self) -> None:
        # Offset mode (a str text): context['text'] is a cache of source[offset:], refreshed by
        # sync() when ``_synced`` lags behind ``_offset``.
        self._source: str | None = None
        self._offset = 0
        self._synced = 0
        self._text_obj: Any = None
        self._cursor: TextCursor | None = None
        StatefulProcess.__init__(self)
        self.on(self.can_proceed, self.do_proceed, "dict")
        self.on(_DIRECTIONS, self.do_turn, "string")
        self._dict_commands.append(_C_PROCEED)
        for direction in _DIRECTIONS:
            self._string_command(direction, _C_TURN, _R_NONE)
        self._seal()

    # -- text by offset ------------------------------------------------------------------------
    def _adopt_text(self) -> None:
        text = self._context.get(_S_TEXT)
        if isinstance(text, str):
            self._source = text
        else:
            self._source = None
        self._offset = 0
        self._synced = 0
        self._text_obj = text
        self._cursor = None

    def _check_text(self) -> None:
        if self._context.get(_S_TEXT) is not self._text_obj:
            self.sync_offset_lost()

    def sync_offset_lost(self) -> None:
        """The context's 'text' was replaced from outside: parse that text from its start."""
        self._adopt_text()

    def sync(self) -> None:
        if self._source is not None and self._synced != self._offset:
            text = self._source[self._offset :]
            self._context[_S_TEXT] = text
            self._text_obj = text
            self._synced = self._offset

    @property
    def context(self) -> Context:
        self._flush()
        self.sync()
        return self._context

    @context.setter
    def context(self, value: Context) -> None:
        self._forget_keys()
        self._context = value
        self._adopt_text()

    @property
    def text(self) -> Any:
        if self._source is not None and self._context.get(_S_TEXT) is self._text_obj:
            return self._source[self._offset :]
        return self._context.get(_S_TEXT, "")

    @property
    def parsed_length(self) -> int:
        length: int = self._context.get(_S_PARSED_LENGTH, 0)
        return length

    @property
    def last_parsed(self) -> str:
        parsed: str = self._context.get(_S_LAST_PARSED, "")
        return parsed

    def is_parsed(self) -> bool:
        """The walk went forward to the end and consumed all the text."""
        if self._query != _S_NEXT:
            return False
        if self._source is not None and self._context.get(_S_TEXT) is self._text_obj:
            return self._offset >= len(self._source)
        return not self._context.get(_S_TEXT, "")

    # -- calling ---------------------------------------------------------------------------------
    def on_new(self, message: list[Any], context: Context) -> None:
        StatefulProcess.on_new(self, message, context)
        self._query = _S_NEXT
        self._adopt_text()
        self.context_set(_S_PARSED_LENGTH, 0)
        self.context_set(_S_LAST_PARSED, "")

    def on_resume(self, message: list[Any], context: Context) -> None:
        self.sync()
        StatefulProcess.on_resume(self, message, context)
        if _S_TEXT in context:
            self._adopt_text()

    def handle(self, message: Message, context: Context) -> tuple[Any, ...]:
        result = StatefulProcess.handle(self, message, context)
        head = result[0]
        if not (self.is_parsed() or head == _S_STOP):
            head = False
        return head, self.parsed_length, (result[2] if len(result) > 2 else None)

    def run(self) -> tuple[Any, ...]:
        self._check_text()
        return StatefulProcess.run(self)

    # -- context changes of 'text' keep the offset in step ---------------------------------------
    def _record_text(self) -> None:
        if self._undo:
            self._undo[-1].append((_U_TEXT, self._source, self._offset, None, None))

    def _undo_record(self, record: _Undo) -> None:
        kind = record[0]
        if kind == _U_PROCEED:
            # The two keys of do_proceed, then its text (the reverse order of its changes).
            context = record[3]
            if record[5] is _MISSING:
                context.pop(_S_PARSED_LENGTH, None)
            else:
                context[_S_PARSED_LENGTH] = record[5]
            if record[4] is _MISSING:
                context.pop(_S_LAST_PARSED, None)
            else:
                context[_S_LAST_PARSED] = record[4]
            kind = _U_TEXT
        if kind == _U_TEXT:
            self._source = record[1]
            self._offset = record[2]
            self._synced = -1
            self._text_obj = self._context.get(_S_TEXT)
            self._cursor = None
        else:
            StatefulProcess._undo_record(self, record)

    def context_set(self, key: str, value: Any) -> None:
        if key == _S_TEXT:
            self.sync()
            self._record_text()
            StatefulProcess.context_set(self, key, value)
            self._adopt_text()
        else:
            StatefulProcess.context_set(self, key, value)

    def context_delete(self, key: str) -> None:
        if key == _S_TEXT:
            self.sync()
            self._record_text()
            StatefulProcess.context_delete(self, key)
            self._adopt_text()
        else:
            StatefulProcess.context_delete(self, key)

    # -- commands ----------------------------------------------------------------------------------
    def _dict_ready(self, command: int, item: Any) -> bool:
        if command == _C_PROCEED:
            return self._proceed_ready(item)
        return StatefulProcess._dict_ready(self, command, item)

    def _proceed_ready(self, item: Any) -> bool:
        size: int = item.get(_S_PROCEED)
        if not is_number(size) or size < 0:
            return False
        self._check_text()
        if self._source is not None:
            return len(self._source) - self._offset >= size
        try:
            text: Any = self._context.get(_S_TEXT)
            return len(text) >= size
        except TypeError:
            return False

    def can_proceed(self) -> bool:
        return self._proceed_ready(self._message[0])

    def do_proceed(self) -> None:
        self._proceed(self._message[0].pop(_S_PROCEED))

    def _proceed(self, size: Any) -> None:
        """Consume ``size`` characters: the text, 'last_parsed' and 'parsed_length'."""
        context = self._context
        source = self._source
        if source is not None and self._own_set:
            # What the steps below do through context_set, in one undo record. The step's own
            # keys are not written first (context_set would): they are in the context already
            # (the step noted them), so their places do not change; their values follow when
            # something could read them. (``size`` is an int: _proceed_ready checked.)
            start = self._offset
            n = size
            end = start + n
            length = context.get(_S_PARSED_LENGTH, _MISSING)
            undo = self._undo
            if undo:
                undo[len(undo) - 1].append((
                    _U_PROCEED,
                    source,
                    start,
                    context,
                    context.get(_S_LAST_PARSED, _MISSING),
                    length,
                ))
            self._offset = end
            context[_S_LAST_PARSED] = source[start:end]
            context[_S_PARSED_LENGTH] = (0 if length is _MISSING else length) + size
            return
        if self._source is not None:
            start = self._offset
            self._record_text()
            self._offset = start + size
            self.context_set(_S_LAST_PARSED, self._source[start : start + size])
        else:
            text = context[_S_TEXT]
            self.context_set(_S_LAST_PARSED, text[:size])
            StatefulProcess.context_set(self, _S_TEXT, text[size:])
        self.context_set(
            _S_PARSED_LENGTH, context.get(_S_PARSED_LENGTH, 0) + size
        )

    def do_turn(self) -> None:
        item = self._message.pop(0)
        for direction in _DIRECTIONS:
            if item.startswith(direction):
                self._query = direction
                break
        if self._query in BACKWARD:
            del self._message[:]

    def ask(self, element: Any) -> Reply:
        if self._source is not None and self._synced != self._offset:
            builtin = element if isinstance(element, Element) else None
            if builtin is not None and builtin._cursor_type:
                cursor = self._cursor_here()
                if "answer" not in self._context:
                    reply = builtin._reply(
                        self._query, self._context, cursor, self._context.get(_S_STATE), False
                    )
                    if reply is not _INDIRECT:
                        return reply
                self._flush()
                context = dict(self._context)
                context[_S_TEXT] = cursor
                if "answer" in context:
                    return element(self._query, **context)
                return builtin.handle((self._query,), context)[0]
            self.sync()
        return StatefulProcess.ask(self, element)

    def _cursor_here(self) -> TextCursor:
        """The remaining text as a cursor (the last one while it is still at the offset)."""
        cursor = self._cursor
        if cursor is None or cursor.pos != self._offset or cursor.source is not self._source:
            # Made without the constructor call (its arguments packed and unpacked).
            cursor = TextCursor.__new__(TextCursor)
            cursor.source = self._source  # type: ignore[assignment]  # offset mode
            cursor.pos = self._offset
            self._cursor = cursor
        return cursor

    def _ask_bare(self, element: Any, state: Any) -> Reply:
        builtin = element if isinstance(element, Element) else None
        if builtin is None or not builtin._cursor_type:
            return _INDIRECT
        cursor = None
        if self._source is not None and self._synced != self._offset:
            cursor = self._cursor_here()
        if self._folding and type(builtin) is SelectiveNotion:
            selection: Any = builtin
            reply = selection._selected(self._query, self._context, cursor, state, True)
            if reply is _FOLDED:
                return self._fold_proceed(
                    selection._fold_size, selection._fold_object, selection._best_eq
                )
            return reply
        return builtin._reply(self._query, self._context, cursor, state, True)

    def _fold_proceed(self, size: int, obj: Any, checked: bool) -> Reply:
        """A selection's reply ``({'proceed': size}, obj)`` (obj a built-in element) without its
        steps: what the 'proceed' step, the step clearing its emptied dict, the one pushing
        ``obj`` and the one asking it would do (each step's keys noted as the step would note
        them), done here. Only
        while no user pair could compete with a step (``_folding``); the reply itself when the
        text cannot give ``size`` characters now (the check the 'proceed' step makes first; no
        user code runs between the match and here, so this is a safeguard: then the steps run
        and decide). ``checked``: whether the selection ran code that could have written to the
        context since the caller found neither 'state' nor 'answer' there (then it looks again)."""
        self._check_text()
        source = self._source
        if source is None or len(source) - self._offset < size:
            return ({_S_PROCEED: size}, obj)
        self._note_step(_C_PROCEED)
        self._proceed(size)
        self._note_step(_C_CLEAR)
        context = self._context
        if checked and (_S_STATE in context or "answer" in context):
            # (Written since the selection was asked: by the __eq__ of a case's object compared
            # with 'error'.) The query step asks ``obj`` as usual.
            self._fold_push(obj)
            return True
        return self._fold_push_query(obj)


class VisitorProcess(Process):
    """Visits every element of a graph once, depth-first in reply order."""

    VISIT = "visit"

    def __init__(self) -> None:
        Process.__init__(self)
        self._query = _S_VISIT
        self._visited: list[Any] = []
        self._visited_ids: set[int] = set()
        self._push_callables = False
        self.visit_event: Event | None = None

    @property
    def visited(self) -> list[Any]:
        return list(self._visited)

    def on_new(self, message: list[Any], context: Context) -> None:
        Process.on_new(self, message, context)
        self._query = _S_VISIT
        self._visited = []
        self._visited_ids = set()

    def can_push_queue(self) -> bool:
        return isinstance(self._message[0], Abstract)

    def do_query(self) -> Reply:
        current = self._current
        if id(current) not in self._visited_ids:
            accept = True
            if self.visit_event is not None:
                self._flush()
                accept = self.visit_event.run(self._message, self._context)[0]
            if accept:
                self._visited_ids.add(id(current))
                self._visited.append(current)
                return Process.do_query(self)
        del self._message[0]
        return True


_FAST_TYPES: dict[type, bool] = {}
_FOLD_TYPES: dict[type, bool] = {}
_ITERATION = "i"
#: What a folded loop step stands in for: a subclass overriding any of these is asked as before.
_FOLDED_STEPS = (
    "do_query",
    "do_proceed",
    "do_queue_push",
    "ask",
    "do_forget_context",
    "do_set_state",
    "do_clear_message",
    "do_push_context",
)


_OWN_METHODS: dict[type, tuple[bool, bool]] = {}


def _own_methods(cls: type) -> tuple[bool, bool]:
    """Whether a process class runs this module's ``ask`` and ``context_set``: then a built-in
    element may be asked without its state in the context, and ``proceed`` writes its keys
    itself."""
    own = _OWN_METHODS.get(cls)
    if own is None:
        own = _OWN_METHODS[cls] = (
            _defining_class(cls, "ask") in _OWN_CLASSES,
            _defining_class(cls, "context_set") in _OWN_CLASSES,
        )
    return own


def _folds(cls: type) -> bool:
    """Whether a process class runs its own commands for the steps ``_fold_loop`` stands in for."""
    folds = _FOLD_TYPES.get(cls)
    if folds is None:
        folds = all(_defining_class(cls, name) in _OWN_CLASSES for name in _FOLDED_STEPS)
        _FOLD_TYPES[cls] = folds
    return folds

#: The rank and condition a built-in command's step writes (by command number), for the steps
#: that are fused or folded (``_note_step``); None for the others.
_STEP_KEYS: tuple[Any, ...] = tuple(
    {
        _C_QUERY: (5, _S_QUERY),
        _C_PUSH: (0, True),
        _C_POP: (0, True),
        _C_CLEAR: (0, True),
        _C_FORGET_CONTEXT: (14, _S_FORGET_CONTEXT),
        _C_PUSH_CONTEXT: (12, _S_PUSH_CONTEXT),
        _C_SET_STATE: (0, True),
        _C_PROCEED: (0, True),
    }.get(command)
    for command in range(_C_TURN + 1)
)
_DICT_KEYS = {
    "add_context": _C_ADD,
    "update_context": _C_UPDATE,
    "delete_context": _C_DELETE,
    "set_state": _C_SET_STATE,
    "proceed": _C_PROCEED,
}

# The classes whose selection hooks the direct dispatch reproduces.
_OWN_CLASSES = frozenset(
    {Process, SharedProcess, StackingProcess, StatefulProcess, ParsingProcess, VisitorProcess}
)

_EVENT_COMMANDS: dict[Any, int] = {
    "do_finish": _C_FINISH,
    "do_query": _C_QUERY,
    "do_queue_push": _C_PUSH,
    "do_queue_pop": _C_POP,
    "do_clear_message": _C_CLEAR,
    "do_add_context": _C_ADD,
    "do_update_context": _C_UPDATE,
    "do_delete_context": _C_DELETE,
    "do_push_context": _C_PUSH_CONTEXT,
    "do_pop_context": _C_POP_CONTEXT,
    "do_forget_context": _C_FORGET_CONTEXT,
    "do_set_state": _C_SET_STATE,
    "do_clear_state": _C_CLEAR_STATE,
    "do_proceed": _C_PROCEED,
    "do_turn": _C_TURN,
}

