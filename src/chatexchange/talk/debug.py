"""ProcessDebugger: watch a process walk.

``ProcessDebugger(process, log=True)`` prints ``"<current>: '<query>'? - '<reply>'"`` after every
element is asked; ``reply_at(element, reply)`` makes the process receive ``reply`` when ``element``
becomes current, before the element is asked. The hooks are post-events on the process's own
events, so a process being debugged takes the generic (hookable) selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatexchange.talk import Handler

if TYPE_CHECKING:
    from chatexchange.talk import Event, Process

__all__ = ["ProcessDebugger"]


def _event_of(process: Process, name: str) -> Event:
    for _condition, event in process.events:
        if getattr(event.value, "__name__", None) == name:
            return event
    raise ValueError(f"{process!r} has no {name} event")


class ProcessDebugger(Handler):
    """Hooks on one process: replies at chosen elements, and a log of every question."""

    AT = "at"
    REPLY = "reply"
    LOG = "log"

    def __init__(self, process: Process | None = None, log: bool = False) -> None:
        super().__init__()
        self.process: Process | None = None
        #: id(element) -> (element, the reply the process receives there).
        self.points: dict[int, tuple[Any, Any]] = {}
        self.log = bool(log)
        if process is not None:
            self.attach(process)

    def attach(self, process: Process) -> None:
        if process is self.process:
            return
        self.detach()
        self.process = process
        _event_of(process, "do_queue_push").post = self.do_reply_at
        _event_of(process, "do_query").post = self.is_log

    def detach(self) -> None:
        """Take the hooks off the process (the original left them there)."""
        if self.process is None:
            return
        for name in ("do_queue_push", "do_query"):
            _event_of(self.process, name).post = None
        self.process = None

    def reply_at(self, element: Any, reply: Any) -> None:
        self.points[id(element)] = (element, reply)

    def clear_points(self) -> None:
        self.points = {}
        self.log = False

    def show_log(self) -> None:
        self.log = True

    def hide_log(self) -> None:
        self.log = False

    def do_reply_at(self, sender: Any = None) -> Any:
        point = self.points.get(id(getattr(sender, "current", None)))
        if point is not None and point[0] is sender.current:
            return point[1]
        return None

    def is_log(self, sender: Any = None, result: Any = None) -> None:
        if self.log and sender is not None:
            query = sender.query
            if getattr(type(sender), "text", None) is not None:
                query = f"{sender.text}, {query}"
            print(f"{sender.current}: '{query}'? - '{result}'")
        return None
