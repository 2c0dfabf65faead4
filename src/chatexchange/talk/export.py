"""Export a graph, so a user can look at it instead of reading it.

``DotExport`` writes Graphviz DOT: ``DotExport()("new", graph)`` fills ``out`` (and prints it), or
``DotExport()("new", graph, file="graph.dot")`` writes the file. ``ExportProcess`` is the base for
other formats: override ``export_graph``, ``export_notion`` and ``export_relation``.

This module is not compiled: its classes are VisitorProcess subclasses of the selected engine
(``chatexchange.talk``); ``export_classes(talk)`` gives them for another engine namespace, such as
``chatexchange.talk.implementation("pure")``.
"""

from __future__ import annotations

import re
import sys
from typing import IO, TYPE_CHECKING, Any

from .utils import escape, get_object_name, replace_special_chars

if TYPE_CHECKING:
    # The exporters subclass the VisitorProcess of the engine they are built on; for a type
    # checker that is this one (both engines are one source).
    from .core import Context, Message
    from .process import VisitorProcess as _VisitorBase

    _Exporters = tuple[type[_VisitorBase], type[_VisitorBase]]

__all__ = ["DotExport", "ExportProcess", "export_classes", "get_printable"]


def get_printable(obj: Any, double_escape: bool = False) -> str:
    """Text of a condition value for a label: a regex by its pattern, special characters escaped
    (with ``double_escape``, backslashes doubled except before a quote)."""
    if isinstance(obj, re.Pattern):
        obj = obj.pattern
    text = "".join(escape(c) for c in replace_special_chars(str(obj)))
    if double_escape:
        text = text.replace("\\", "\\\\").replace('\\\\"', '\\"')
    return text


def _wrap(text: str, width: int) -> str:
    """Break ``text`` at spaces (kept at the line ends) so no line's text exceeds ``width``."""
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\S+\s*", text) or [text]:
        if line and len(line + word.rstrip()) > width:
            lines.append(line)
            line = word
        else:
            line += word
    lines.append(line)
    return "\n".join(lines)


_cache: dict[int, _Exporters] = {}


def export_classes(talk: Any) -> _Exporters:
    """``(ExportProcess, DotExport)`` built on the engine namespace ``talk`` (a module or
    ``chatexchange.talk.implementation(...)``: its names are looked up at run time)."""
    key = id(talk)
    if key in _cache:
        return _cache[key]
    if not TYPE_CHECKING:
        _VisitorBase = talk.VisitorProcess

    class ExportProcess(_VisitorBase):
        """Visits a graph and writes what ``export_graph``/``export_notion``/``export_relation``
        return for each element."""

        FILENAME = "file"
        GRAPH_ID = "graph"
        ID_PATTERN = "%s_%s"
        TYPE_REGEX = re.compile("([A-Z])*")

        def __init__(self) -> None:
            super().__init__()
            self.visit_event = talk.Event(self.on_export)
            self.out = ""
            self._file: IO[str] | None = None
            self._filename: str | None = None
            self._ids: dict[str, int] = {}
            self._exported: dict[int, tuple[Any, str]] = {}

        # -- ids --------------------------------------------------------------------------------
        def get_type_id(self, element: Any) -> str:
            if isinstance(element, talk.Graph):
                return ExportProcess.GRAPH_ID
            return "".join(ExportProcess.TYPE_REGEX.findall(type(element).__name__)).lower()

        def get_serial_id(self, type_id: str) -> str:
            number = self._ids.get(type_id, 0)
            self._ids[type_id] = number + 1
            return ExportProcess.ID_PATTERN % (type_id, number)

        def get_object_id(self, obj: Any) -> str:
            return get_object_name(obj)

        def get_element_id(self, element: Any) -> str:
            if not isinstance(element, talk.Element):
                return self.get_object_id(element)
            found = self._exported.get(id(element))
            if found is None:
                found = self._exported[id(element)] = (
                    element,
                    self.get_serial_id(self.get_type_id(element)),
                )
            return found[1]

        # -- output -----------------------------------------------------------------------------
        @property
        def filename(self) -> str | None:
            """The file being written (the 'file' key of the NEW context), or None."""
            return self._filename

        def write_data(self, text: str) -> None:
            if self._file is not None:
                self._file.write(text)
            else:
                self.out += text

        def on_new(self, message: list[Any], context: Context) -> None:
            super().on_new(message, context)
            self._filename = context.pop(ExportProcess.FILENAME, None)
            self.out = ""
            self._ids = {}
            self._exported = {}
            self.start_export()

        def on_resume(self, message: list[Any], context: Context) -> None:
            super().on_resume(message, context)
            self.start_export()

        def start_export(self) -> None:
            self._close()
            if self._filename:
                self._file = open(self._filename, "w+", encoding="utf-8")  # noqa: SIM115

        def stop_export(self, finished: bool) -> None:
            if self._file is not None:
                self._close()
            else:
                sys.stdout.write(self.out)

        def _close(self) -> None:
            if self._file is not None:
                self._file.close()
                self._file = None

        def handle(self, message: Message, context: Context) -> tuple[Any, ...]:
            result = super().handle(message, context)
            self.stop_export(result[0] in ("ok", True, None))
            return result

        # -- export ------------------------------------------------------------------------------
        def on_export(self) -> bool:
            current = self.current
            if isinstance(current, talk.Graph):
                text = self.export_graph(current)
            elif isinstance(current, talk.Notion):
                text = self.export_notion(current)
            elif isinstance(current, talk.Relation):
                text = self.export_relation(current)
            else:
                text = None
            if text:
                self.write_data(text)
            return True

        def export_graph(self, graph: Any) -> str | None:
            return None

        def export_notion(self, notion: Any) -> str | None:
            return None

        def export_relation(self, relation: Any) -> str | None:
            return None

    class DotExport(ExportProcess):
        """Graphviz DOT: notions as circles (selective: double, action: red), relations as edges
        labelled with their conditions (action relations red, a default case bold)."""

        EMPTY = "empty"
        OBJECTS_ID = "objects"
        MAX_RELATION_LABEL = 80
        MAX_NOTION_LABEL = 20

        def __init__(self) -> None:
            super().__init__()
            self._objects: list[str] = []
            self._graphs = 0

        def on_new(self, message: list[Any], context: Context) -> None:
            self._objects = []
            self._graphs = 0
            super().on_new(message, context)

        def write_data(self, text: str) -> None:
            super().write_data(text + "\n")

        def get_element_id(self, element: Any) -> str:
            if element is None:
                return self.get_serial_id(DotExport.EMPTY)
            found = super().get_element_id(element)
            if not isinstance(element, talk.Element) and found not in self._objects:
                self._objects.append(found)
            return found

        @staticmethod
        def get_dot_string(element_id: Any, max_len: int | None = None, **attributes: Any) -> str:
            if not attributes:
                return str(element_id)
            parts: list[str] = []
            for name in sorted(attributes):
                value = attributes[name]
                if name == "label" and max_len:
                    value = _wrap(str(value), max_len)
                parts.append(f"{name} = {value}")
            return f"{element_id}[{', '.join(parts)}]"

        def get_condition_string(self, relation: Any) -> str:
            if not isinstance(relation, talk.NextRelation):
                return ""
            condition = relation.condition_access
            if condition is talk.TRUE_CONDITION:
                return ""
            value = relation.condition
            if isinstance(value, talk.Abstract) or callable(value):
                return get_printable(get_object_name(value), True)
            return get_printable(value, True)

        def export_graph(self, graph: Any) -> str:
            self._graphs += 1
            return f"digraph {self.get_element_id(graph)} {{"

        def export_notion(self, notion: Any) -> str:
            return self.get_dot_string(
                self.get_element_id(notion),
                DotExport.MAX_NOTION_LABEL,
                color="red" if isinstance(notion, talk.ActionNotion) else "black",
                label=f'"{notion.name}"',
                shape="doublecircle" if isinstance(notion, talk.SelectiveNotion) else "circle",
            )

        def export_relation(self, relation: Any) -> str:
            subject = relation.subject
            default = isinstance(subject, talk.SelectiveNotion) and subject.default is relation
            edge = f"{self.get_element_id(subject)} -> {self.get_element_id(relation.object)}"
            return self.get_dot_string(
                edge,
                DotExport.MAX_RELATION_LABEL,
                color="red" if isinstance(relation, talk.ActionRelation) else "black",
                fontcolor="blue",
                label=f'"{self.get_condition_string(relation)}"',
                style='"bold"' if default else '""',
            )

        def export_empty(self, counter: int) -> str:
            """The point standing for the ``counter``-th missing relation object."""
            return self.get_dot_string(
                ExportProcess.ID_PATTERN % (DotExport.EMPTY, counter), shape='"point"'
            )

        def export_object(self, name: str) -> str:
            """A box for an object that is not an element (a relation to a function)."""
            return self.get_dot_string(name, color="red", shape='"rect"')

        def stop_export(self, finished: bool) -> None:
            if finished:
                for counter in range(self._ids.get(DotExport.EMPTY, 0)):
                    self.write_data(self.export_empty(counter))
                for name in self._objects:
                    self.write_data(self.export_object(name))
                for _ in range(self._graphs):
                    self.write_data("}")
            super().stop_export(finished)

    ExportProcess.__module__ = DotExport.__module__ = __name__
    _cache[key] = (ExportProcess, DotExport)
    return _cache[key]


def _selected() -> _Exporters:
    import chatexchange.talk

    return export_classes(chatexchange.talk)


#: The exporters of the selected engine (``chatexchange.talk``).
ExportProcess, DotExport = _selected()
