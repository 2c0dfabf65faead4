"""The bot's dispatch: a ``talk.Handler`` whose tags follow the room and the author of each message.

Everything a rule may want is in the context (``message``, ``room``, ``user``, ``server``,
``event``, ``chat_event``, ``client``, ``memory``, ``bot``), so conditions and events ask for it by
parameter name. Ranking and selection are the engine's own ``Handler.handle``; the bot only sets
the tags before each message (a dictionary lookup when the tag state was seen before) and turns the
result into an answer.
"""

from __future__ import annotations

import inspect
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._graph import GraphEvent, is_graph
from ._router import RouterMixin

__all__ = ["BotMixin", "answer_text"]

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from ..talk import Handler

    class _Dispatch(RouterMixin, Handler):
        """For type checkers: the mixin only ever runs combined with an engine Handler."""

else:
    _Dispatch = RouterMixin

log = logging.getLogger("chatexchange.bot")

_MISSING: Any = object()

#: Tags a user may carry in a room (besides the room's own tags and the bot's base tags).
OWNER = "owner"
MODERATOR = "moderator"
PRIVILEGED = "privileged"


def answer_text(value: Any) -> str | None:
    """What an event's result posts: a string as it is, nothing for None/False/True, else str()."""
    if value is None or value is False or value is True:
        return None
    if isinstance(value, str):
        return value or None
    return str(value)


class _Memory(OrderedDict[Any, dict[str, Any]]):
    """Per (room, user) dicts for conversations; the least recently used are forgotten."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def of(self, key: Any) -> dict[str, Any]:
        value = self.get(key)
        if value is None:
            value = self[key] = {}
            if len(self) > self.size:
                self.popitem(last=False)
        else:
            self.move_to_end(key)
        return value


class BotMixin(_Dispatch):
    """The bot's behaviour; combined with one engine's ``Handler`` (see ``Bot.using``).

    ``edits``: what an edited message does: ``"ignore"`` (default), ``"answer"`` (handled like a
    new message, answered again) or ``"update"`` (handled again; our earlier answer to it is
    edited when chat still allows it, else a new answer is posted).
    ``tags``: tags always active (the room's and the user's are added per message).
    """

    ENGINE = "default"
    EDITS = ("ignore", "answer", "update")

    def __init__(
        self,
        *,
        edits: str = "ignore",
        tags: Iterable[str] = (),
        memory_size: int = 10_000,
        name: str | None = None,
    ) -> None:
        super().__init__()
        if edits not in self.EDITS:
            raise ValueError(f"edits must be one of {', '.join(self.EDITS)}, not {edits!r}")
        self.edits = edits
        self.name = name or type(self).__name__
        self.base_tags = frozenset(tags)
        self.memory = _Memory(memory_size)
        self._next_tags: frozenset[str] = frozenset()
        self._tag_cache: dict[Any, frozenset[str]] = {}
        self._init_router()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} rules={len(self.events)}>"

    # -- rules -----------------------------------------------------------------------------------

    @overload
    def on(
        self, condition: Any, *, tags: Iterable[str] = (), **options: Any
    ) -> Callable[[F], F]: ...
    @overload
    def on(
        self, condition: Any, event: Any, *tags: str, **options: Any
    ) -> None: ...
    def on(self, condition: Any, *args: Any, tags: Iterable[str] = (), **options: Any) -> Any:
        """``on(condition, event, *tags)`` as the engine has it, or ``@bot.on(condition,
        tags=...)`` as a decorator. ``options`` (``ignore_case``, ``search``) go to the
        Condition. A talk graph (a notion or a Graph) as the event is walked by a
        :class:`GraphEvent`."""
        if not args:

            def decorator(event: F) -> F:
                self._register(condition, event, tuple(tags), options)
                return event

            return decorator
        event, *more = args
        self._register(condition, event, tuple(more) + tuple(tags), options)
        return None

    def rule(self, condition: Any, *tags: str, **options: Any) -> Callable[[F], F]:
        """Decorator: ``@bot.rule("!!/kick", "privileged")``."""
        return self.on(condition, tags=tags, **options)

    def _register(
        self, condition: Any, event: Any, tags: tuple[str, ...], options: dict[str, Any]
    ) -> None:
        if is_graph(event):
            event = GraphEvent(event)
        self._rules.append((condition, event, tags, options))
        self._add_rule(condition, event, tags, options)
        for includer in self._includers:
            includer._adopt(condition, event, tags, options)

    def _add_rule(
        self, condition: Any, event: Any, tags: tuple[str, ...], options: dict[str, Any]
    ) -> None:
        core = self._core()
        if isinstance(condition, core.Condition):
            cond = condition
        elif isinstance(condition, core.Access):  # a Condition of the other engine (include)
            cond = core.Condition(condition.value, *condition.tags, **condition.options)
        else:
            cond = core.Condition(condition, *tags, **options)
        access = core.Access(event)
        wants_event = access._call_kind in (3, 4) or "event" in (
            *access._names,
            *access._kwnames,
        )
        self.on_access(cond, _rule_class(core)(event) if wants_event else core.Event(event))
        self._tag_cache.clear()

    @classmethod
    def _core(cls) -> Any:
        from ._engine import core_module

        return core_module(cls.ENGINE)

    # -- tags ------------------------------------------------------------------------------------

    def tags_for(self, room: Any, user: Any) -> frozenset[str]:
        """Tags of a message by ``user`` in ``room``: the bot's base tags, the room's own tags,
        ``owner`` (a room owner), ``moderator`` and ``privileged`` (either). Override to add
        more; results are cached per (room, user) until :meth:`forget_tags`."""
        tags = set(self.base_tags)
        room_tags = getattr(room, "tags", None)
        if room_tags:
            tags.update(room_tags)
        uid = getattr(user, "id", None)
        owners = getattr(room, "owner_ids", None) or ()
        privileged = False
        if uid is not None and uid in owners:
            tags.add(OWNER)
            privileged = True
        if getattr(user, "is_moderator", None):
            tags.add(MODERATOR)
            privileged = True
        if privileged:
            tags.add(PRIVILEGED)
        return frozenset(tags)

    def forget_tags(self) -> None:
        """Drop cached tags (after a room's owners or a user's status changed)."""
        self._tag_cache.clear()

    def update_tags(self) -> Any:  # the engine's hook: the tags of the message at hand
        return self._next_tags

    def _use_tags(self, tags: frozenset[str]) -> None:
        if tags is not self._next_tags:
            self._next_tags = tags
            self.update()

    def _cached_tags(self, key: Any, room: Any, user: Any) -> frozenset[str]:
        tags = self._tag_cache.get(key)
        if tags is None:
            if len(self._tag_cache) > 100_000:
                self._tag_cache.clear()
            tags = self._tag_cache[key] = self.tags_for(room, user)
        return tags

    # -- answering -------------------------------------------------------------------------------

    def context_for(
        self,
        message: Any,
        room: Any,
        user: Any,
        *,
        server: Any = None,
        event: Any = None,
        client: Any = None,
    ) -> dict[str, Any]:
        """The context a message is handled with."""
        return {
            "message": message,
            "room": room,
            "user": user,
            "server": server,
            "event": event,
            "chat_event": event,
            "client": client,
            "memory": self.memory.of((getattr(room, "id", None), getattr(user, "id", None))),
            "bot": self,
        }

    def answer_event(
        self, event: Any, context: dict[str, Any], tags: frozenset[str]
    ) -> tuple[Any, Any]:
        """Route a chat event: ``(route, raw result)``, ``(None, None)`` when no route takes it.
        An exception of the handler propagates (see :meth:`handle_error`)."""
        route = self.route_for(event, context, tags)
        if route is None:
            return None, None
        return route, route.handler.call((), context)

    def handle_error(self, error: BaseException, context: dict[str, Any], owner: Any) -> Any:
        """Give a handler's exception to the error hooks (see ``on_error``); their first answer
        that is not None (maybe awaitable), else None. Without hooks the error is logged."""
        hooks = self.hooks_for(owner)
        if not hooks:
            log.exception("%s failed on %r", owner.name, context.get("chat_event"), exc_info=error)
            return None
        context = {**context, "error": error, "event": context.get("chat_event")}
        for hook in hooks:
            value = hook.call((), context)
            if value is not None:
                return value
        return None

    def rule_owner(self, context: dict[str, Any]) -> Any:
        """The bot whose message rule ran with ``context`` (for its error hooks)."""
        return self.owner_of(context.get("rule", context.get("event")))

    def answer(self, text: str, context: dict[str, Any], tags: frozenset[str] | None = None) -> Any:
        """Run the rules on ``text``; the event's raw result (None when nothing matched).

        ``tags`` default to :meth:`tags_for` of the context's room and user.
        """
        if tags is None:
            tags = self.tags_for(context.get("room"), context.get("user"))
        if tags is not self._next_tags and tags != self._next_tags:
            self._next_tags = tags
            self.update()
        result = self.handle((text,), context)
        if len(result) == 3 and result[1] < 0:
            return None
        return result[0]

    def reply_to(self, text: str, **context: Any) -> str | None:
        """The answer to ``text`` as a string (for tests and the REPL); coroutines are run."""
        full = self.context_for(
            context.pop("message", None),
            context.pop("room", None),
            context.pop("user", None),
            event=context.pop("event", None),
        )
        full.update(context)
        value = self.answer(text, full)
        if inspect.isawaitable(value):
            import asyncio

            async def wait() -> Any:
                return await value

            value = asyncio.run(wait())
        return answer_text(value)


_rule_classes: dict[str, type] = {}


def _rule_class(core: Any) -> type:
    """The engine's ``Event`` for a rule that asks for ``event``: the engine puts the winning talk
    event under that name, so just before the rule runs ``event`` is set back to the chat event
    (the talk event stays available as ``rule``). Rules that do not ask for it keep the plain,
    faster ``Event``."""
    cls = _rule_classes.get(core.__name__)
    if cls is None:
        base = core.Event

        class ChatRule(base):  # type: ignore[misc, valid-type]
            def run(self, message: Any, context: dict[str, Any]) -> Any:
                context["rule"] = self.value
                context["event"] = context.get("chat_event")
                return base.run(self, message, context)

        cls = _rule_classes[core.__name__] = ChatRule
    return cls
