"""Routing chat events to a bot's handlers: one observer per event kind, filters, error hooks, and
bots included into bots.

The idea is aiogram 3's routers: each event type has an observer (a list of routes tried in
registration order; the first whose filters all pass handles the event), a bot can ``include``
other bots (their routes are tried after its own, their message rules join its rules), and an
exception in a handler goes to the error hooks of the bot that owns the handler, then to those of
the bots that include it. Handlers and filters are called through the engine's context mapping,
so they ask for ``event``, ``user``, ``room``, ``message``... by parameter name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..event_types import EventType

__all__ = ["ANY", "Route", "RouterMixin"]

log = logging.getLogger("chatexchange.bot")

#: ``on_event(ANY, handler)``: every event type (tried after every route of the event's own type).
ANY = "any"

_TYPE = EventType
#: A message rule as registered: condition, event, tags, Condition options.
_Rule = tuple[Any, Any, tuple[str, ...], dict[str, Any]]


def _ids(value: Any) -> frozenset[Any] | None:
    """A user/room filter: an id, an object with ``.id``, or a collection of them."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(getattr(v, "id", v) for v in value)
    return frozenset({getattr(value, "id", value)})


def _named(kinds: Any, doc: str) -> Callable[..., Any]:
    """A decorator method for one kind: ``@bot.on_join`` or ``@bot.on_join(when=...)``."""

    def register(self: Any, handler: Any = None, **filters: Any) -> Any:
        return self.on_event(kinds, handler, **filters)

    register.__doc__ = f"{doc} As ``on_event`` for this kind, with or without filters."
    return register


class Route:
    """One handler of one observer, with its filters; ``owner`` is the bot it was registered on."""

    __slots__ = ("filters", "handler", "owner", "rooms", "tags", "users")

    def __init__(
        self,
        owner: Any,
        handler: Any,
        filters: tuple[Any, ...],
        users: frozenset[int] | None,
        rooms: frozenset[int] | None,
        tags: frozenset[str],
    ) -> None:
        self.owner = owner
        self.handler = handler
        self.filters = filters
        self.users = users
        self.rooms = rooms
        self.tags = tags

    def __repr__(self) -> str:
        return f"<Route {getattr(self.handler.value, '__name__', self.handler.value)!r}>"

    def accepts(self, event: Any, context: dict[str, Any], tags: frozenset[str]) -> bool:
        if self.users is not None and not (
            event.user_id in self.users or event.target_user_id in self.users
        ):
            return False
        if self.rooms is not None and event.room_id not in self.rooms:
            return False
        if self.tags and not self.tags <= tags:
            return False
        return all(f.call((), context) for f in self.filters)


class RouterMixin:
    """Event observers, included bots and error hooks (mixed into ``BotMixin``)."""

    def _init_router(self) -> None:
        self.observers: dict[Any, list[Route]] = {}
        self.included: list[Any] = []
        self.error_hooks: list[Any] = []
        self._includers: list[Any] = []
        self._rules: list[_Rule] = []

    # -- registering -----------------------------------------------------------------------------

    def on_event(
        self,
        kinds: Any,
        handler: Any = None,
        *,
        when: Any = None,
        user: Any = None,
        room: Any = None,
        tags: Iterable[str] = (),
    ) -> Any:
        """Handle chat events of ``kinds`` (an ``EventType``, a number, several of them, or
        ``ANY``) with ``handler``; without ``handler`` a decorator.

        ``when``: a filter or a list of filters (called with context mapping; all must be true);
        ``user`` / ``room``: only events by or about these users (``user_id`` or
        ``target_user_id``) / in these rooms (ids or objects); ``tags``: only when the event's
        room and user carry these tags (``owner``, ``moderator``, ... as for message rules).
        The handler's result is posted like a message rule's: as a reply when the event is about a
        message of a watched room, else into the room.
        """
        if handler is None:

            def decorator(function: Any) -> Any:
                self.on_event(kinds, function, when=when, user=user, room=room, tags=tags)
                return function

            return decorator
        keys = _kinds(kinds)
        core = self._core()  # type: ignore[attr-defined]
        filters: tuple[Any, ...]
        if when is None:
            filters = ()
        elif callable(when) and not isinstance(when, (list, tuple)):
            filters = (core.Access(when),)
        else:
            filters = tuple(core.Access(f) for f in when)
        route = Route(
            self, core.Access(handler), filters, _ids(user), _ids(room), frozenset(tags)
        )
        for key in keys:
            self.observers.setdefault(key, []).append(route)
        return handler

    on_join = _named(_TYPE.USER_JOINED, "A user entered the room.")
    on_leave = _named(_TYPE.USER_LEFT, "A user left the room (also when kicked).")
    on_edit = _named(_TYPE.MESSAGE_EDITED, "A message was edited.")
    on_delete = _named(_TYPE.MESSAGE_DELETED, "A message was deleted.")
    on_star = _named(_TYPE.MESSAGE_STARRED, "A message's stars or pin changed.")
    on_mention = _named(_TYPE.USER_MENTIONED, "The bot was pinged.")
    on_reply = _named(_TYPE.MESSAGE_REPLY, "Someone replied to one of the bot's messages.")
    on_flag = _named(_TYPE.MESSAGE_FLAGGED, "A message was flagged (seen by moderators only).")
    on_move = _named(
        (_TYPE.MESSAGE_MOVED_OUT, _TYPE.MESSAGE_MOVED_IN), "A message was moved out or in."
    )
    on_access_change = _named(_TYPE.ACCESS_CHANGED, "A user's access to the room changed.")
    on_room_change = _named(_TYPE.ROOM_CHANGED, "The room's name, description or tags changed.")
    on_invite = _named(_TYPE.INVITATION, "The bot was invited to another room.")
    on_name_change = _named(_TYPE.USER_NAME_CHANGED, "A user's name or avatar changed.")

    def on_error(self, hook: Any = None) -> Any:
        """Call ``hook`` when a handler of this bot (or of a bot it includes, unless that one has
        its own hook) raises; it gets ``error`` besides the handler's context, and what it returns
        is posted like a handler's answer. Without ``hook``: a decorator."""
        if hook is None:
            return self.on_error
        self.error_hooks.append(self._core().Access(hook))  # type: ignore[attr-defined]
        return hook

    def include(self, *bots: Any) -> Any:
        """Make ``bots`` part of this one: their message rules become rules of this bot (also
        those added later), their event routes are tried after this bot's own, and their error
        hooks see their own handlers' errors first. Returns the last bot (for chaining)."""
        for bot in bots:
            if bot is self or self in bot._reach():
                raise ValueError(f"{bot!r} already includes {self!r}: a bot cannot include itself")
            if bot in self.included:
                continue
            self.included.append(bot)
            bot._includers.append(self)
            for condition, event, tags, options in bot._all_rules():
                self._adopt(condition, event, tags, options)
        return bots[-1] if bots else None

    def _reach(self) -> list[Any]:
        """This bot and every bot it includes, depth first."""
        out = [self]
        for bot in self.included:
            out.extend(b for b in bot._reach() if b not in out)
        return out

    def _all_rules(self) -> list[_Rule]:
        return [rule for bot in self._reach() for rule in bot._rules]

    def _adopt(
        self, condition: Any, event: Any, tags: tuple[str, ...], options: dict[str, Any]
    ) -> None:
        """A rule registered on an included bot becomes a rule of this bot (and its includers)."""
        self._add_rule(condition, event, tags, options)  # type: ignore[attr-defined]
        for includer in self._includers:
            includer._adopt(condition, event, tags, options)

    # -- dispatching -----------------------------------------------------------------------------

    def has_routes(self, event_type: int) -> bool:
        """Whether any route (of this bot or an included one) takes events of ``event_type``."""
        return any(
            event_type in bot.observers or ANY in bot.observers for bot in self._reach()
        )

    def route_for(self, event: Any, context: dict[str, Any], tags: frozenset[str]) -> Any:
        """The first route that accepts ``event``: the routes of its type (this bot's, then
        those of the included bots in order), then the ``ANY`` routes in the same order; None
        when none does."""
        bots = self._reach()
        for key in (event.event_type, ANY):
            for bot in bots:
                for route in bot.observers.get(key, ()):
                    if route.accepts(event, context, tags):
                        return route
        return None

    def hooks_for(self, owner: Any) -> list[Any]:
        """Error hooks for a handler of ``owner``: its own, else its includer's, up to this bot."""
        bot = owner
        seen = set()
        while bot is not None and id(bot) not in seen:
            seen.add(id(bot))
            if bot.error_hooks:
                return list(bot.error_hooks)
            if bot is self:
                break
            bot = next((b for b in bot._includers if self in b._reach_up()), None)
        return list(self.error_hooks)

    def _reach_up(self) -> list[Any]:
        out = [self]
        for includer in self._includers:
            out.extend(b for b in includer._reach_up() if b not in out)
        return out

    def owner_of(self, rule: Any) -> Any:
        """The bot a message rule (its event value) was registered on; this bot if unknown."""
        for bot in self._reach():
            for _, event, _, _ in bot._rules:
                if event is rule:
                    return bot
        return self


def _kinds(kinds: Any) -> list[Any]:
    if kinds == ANY:
        return [ANY]
    items = list(kinds) if isinstance(kinds, (list, tuple, set, frozenset)) else [kinds]
    out: list[Any] = []
    for kind in items:
        if isinstance(kind, bool) or not isinstance(kind, int):
            raise TypeError(f"an event kind is an EventType or its number, not {kind!r}")
        try:
            out.append(EventType(kind))
        except ValueError:
            out.append(int(kind))  # a type chat may add later: still routable
    return out
