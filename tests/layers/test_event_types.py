"""``chatexchange.EventType`` is the one statement of event numbers: no layer repeats them.

The check reads the source (AST): a comparison of an event type (``.event_type``, ``type_id``,
``etype``) with an integer literal, or with a module constant made of integer literals;
``type_id = <int>`` in a class; a table mapping integer literals to event record classes. The
devserver is exempt on purpose: it keeps its own table as the independent oracle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chatexchange
from chatexchange._parser import records
from chatexchange.event_types import EventType

SRC = Path(chatexchange.__file__).parent
EXEMPT = {SRC / "event_types.py"}
EXEMPT_DIRS = {SRC / "devserver"}
TYPE_NAMES = {"event_type", "type_id", "etype"}
RECORD_CLASSES = {
    name
    for name, value in vars(records).items()
    if isinstance(value, type) and issubclass(value, records.Event)
}


def _is_int(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant) and type(node.value) is int and not isinstance(node, bool)
    )


def _ints(node: ast.AST) -> bool:
    """An integer literal or a tuple/list/set of them."""
    if _is_int(node):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts:
        return all(_is_int(e) for e in node.elts)
    return False


def _mentions_type(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in TYPE_NAMES:
        return True
    if isinstance(node, ast.Name) and node.id in TYPE_NAMES:
        return True
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value == "event_type"
    return False


def raw_event_numbers(source: str) -> list[tuple[int, str]]:
    """(line, what) for each raw event-type number in ``source``."""
    tree = ast.parse(source)
    constants = {
        target.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and _ints(node.value)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_mentions_type(s) for s in sides):
                for side in sides:
                    if _ints(side) or (isinstance(side, ast.Name) and side.id in constants):
                        found.append((node.lineno, ast.unparse(node)))
                        break
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "type_id" for t in stmt.targets)
                    and _is_int(stmt.value)
                ):
                    found.append((stmt.lineno, ast.unparse(stmt)))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                named = isinstance(value, ast.Name) and value.id in RECORD_CLASSES
                if key is not None and _is_int(key) and named:
                    found.append((node.lineno, ast.unparse(node)[:60]))
                    break
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_event"
            and node.args
            and _is_int(node.args[0])
        ):
            found.append((node.lineno, ast.unparse(node)))
    return found


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if path not in EXEMPT and not any(d in path.parents for d in EXEMPT_DIRS)
    ]


def test_no_raw_event_type_numbers_outside_the_enum() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {what}"
        for path in _sources()
        for line, what in raw_event_numbers(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "snippet",
    [
        "if event.event_type == 1: pass",
        "if etype in (1, 18): pass",
        "_NEW = (1, 18)\nif event.event_type in _NEW: pass",
        "class A:\n    type_id = 3",
        "TABLE = {3: UserEntered}",
        "X = _event(7, 'InternalEvent7')",
        "if data['event_type'] != 2: pass",
    ],
)
def test_the_check_finds_raw_numbers(snippet: str) -> None:
    assert raw_event_numbers(snippet)


def test_the_check_accepts_the_enum() -> None:
    assert not raw_event_numbers(
        "_NEW = (EventType.MESSAGE_POSTED,)\n"
        "if event.event_type in _NEW or event.event_type == EventType.USER_LEFT: pass\n"
        "class A:\n    type_id = EventType.USER_JOINED\n"
        "if len(x) == 0: pass\n"
    )


def test_every_type_of_the_protocol_has_a_name() -> None:
    assert [int(t) for t in EventType] == list(range(1, 36))
    assert chatexchange.EventType is EventType
    assert EventType.USER_JOINED == 3 and EventType(18) is EventType.MESSAGE_REPLY


def test_event_types_imports_nothing_of_the_package() -> None:
    tree = ast.parse((SRC / "event_types.py").read_text(encoding="utf-8"))
    imported = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level or "chatexchange" in (node.module or ""))
    ]
    assert imported == []


def test_parsed_records_compare_equal_to_the_enum() -> None:
    from chatexchange._parser import parse_event

    event = parse_event({"event_type": 3, "id": 5, "time_stamp": 1, "room_id": 1, "user_id": 2})
    assert event.event_type == EventType.USER_JOINED
    assert type(event).__name__ == "UserEntered"
