"""Writes ``_blocking_twins.py``, the blocking twin of each async client class, from the class.

No blocking method is written by hand: the twin of ``Room.send(content_markdown) -> Task[Message]``
is ``BlockingRoom.send(content_markdown) -> BlockingMessage``, generated with the same parameters,
defaults and docstring. The result is ordinary source, so type checkers and IDEs see real classes
and mypy checks the code that runs. After changing a public method or property of ``AsyncClient``,
``Server``, ``User``, ``Room`` or ``Message`` run::

    python -m chatexchange.client._blocking_gen

``tests/client/test_blocking_twins.py`` fails while the file is out of date.

The rules, by the async annotation: an ``async def`` or a method returning ``asyncio.Task[X]`` is
awaited on the client's loop and returns ``X``; ``AsyncIterator[X]`` becomes ``BridgedIterator[X]``
(a plain iterator with ``close()``, usable in ``with``); any
other method runs on the loop and returns what it returns; properties are read directly. A client
class in a result becomes its twin (also in ``X | None`` and ``list[X]``); a parameter that takes
one takes the twin as well.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["TARGET", "generate", "main"]

TARGET = Path(__file__).with_name("_blocking_twins.py")

#: The async classes and their twins, in the order they are written.
TWINS = (
    ("chatexchange.client.objects", "Server", "BlockingServer"),
    ("chatexchange.client.objects", "User", "BlockingUser"),
    ("chatexchange.client.objects", "Room", "BlockingRoom"),
    ("chatexchange.client.objects", "Message", "BlockingMessage"),
    ("chatexchange.client._async", "AsyncClient", "BlockingClientBase"),
)
#: Client classes whose values become twins in results and may be given as twins in arguments.
OBJECTS = {"Server": "BlockingServer", "User": "BlockingUser", "Room": "BlockingRoom",
           "Message": "BlockingMessage"}
_OBJECT = re.compile(r"\b(" + "|".join(OBJECTS) + r")\b")
_NAME = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*")
_BUILTINS = {"None", "int", "str", "bool", "float", "bytes", "list", "tuple", "dict", "set",
             "frozenset", "object", "type"}
_WIDTH = 100

HEADER = '''"""The blocking twins of the async client classes. GENERATED: do not edit.

Written by ``python -m chatexchange.client._blocking_gen`` from ``AsyncClient``, ``Server``,
``User``, ``Room`` and ``Message``; each method runs its async original on the client's loop thread
and waits for it. See ``_blocking_gen`` for the rules.
"""

from __future__ import annotations

'''


class _Imports:
    """The names the generated annotations and defaults use, and where they come from."""

    def __init__(self) -> None:
        self.runtime: dict[str, set[str]] = {}
        self.typing: dict[str, set[str]] = {}
        self._sources: dict[str, dict[str, tuple[str, str]]] = {}

    def _bindings(self, module_name: str) -> dict[str, tuple[str, str]]:
        """name -> (module, name) for every import and top-level definition of the module."""
        if module_name not in self._sources:
            module = sys.modules[module_name]
            tree = ast.parse(Path(inspect.getsourcefile(module) or "").read_text("utf-8"))
            package = module_name.rpartition(".")[0]
            found: dict[str, tuple[str, str]] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    source = importlib.util.resolve_name(
                        "." * node.level + (node.module or ""), package
                    )
                    for alias in node.names:
                        found[alias.asname or alias.name] = (source, alias.name)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        found[alias.asname or alias.name] = (alias.name, "")
            for node in tree.body:
                if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                    found[node.name] = (module_name, node.name)
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            found[target.id] = (module_name, target.id)
            self._sources[module_name] = found
        return self._sources[module_name]

    def need(self, annotation: str, module_name: str, *, runtime: bool = False) -> None:
        for dotted in _NAME.findall(annotation):
            name = dotted.split(".")[0]
            if name in _BUILTINS or name in OBJECTS.values() or name == "BridgedIterator":
                continue
            source, original = self._bindings(module_name).get(name, ("", ""))
            if not source:
                raise LookupError(f"{module_name}: where does {name!r} come from?")
            into = self.runtime if runtime else self.typing
            if original:
                alias = original if original == name else f"{original} as {name}"
                into.setdefault(source, set()).add(alias)
            else:
                into.setdefault("", set()).add(source)

    def lines(self) -> list[str]:
        runtime = {"typing": {"TYPE_CHECKING"},
                   "chatexchange.client._blocking_base": {"Blocking", "same", "unwrap"},
                   "chatexchange.client._loop": {"BridgedIterator"}}
        for source, names in self.runtime.items():
            runtime.setdefault(source, set()).update(names)
        typing = {
            source: names - runtime.get(source, set()) for source, names in self.typing.items()
        }
        out = _sections(runtime, "")
        out += ["", "if TYPE_CHECKING:", *_sections(typing, "    ")]
        return out


def _sections(imports: dict[str, set[str]], indent: str) -> list[str]:
    """Import lines as ruff's isort orders them: standard library, others, then ours."""
    groups: dict[int, list[str]] = {}
    plain = sorted(imports.get("", set()))
    for source in plain:
        groups.setdefault(_group(source), []).append(f"{indent}import {source}")
    for source, names in sorted(imports.items(), key=lambda item: _relative(item[0])):
        if source and names:
            groups.setdefault(_group(source), []).append(_from(source, names, indent))
    out: list[str] = []
    for _, lines in sorted(groups.items()):
        out += [*([""] if out else []), *lines]
    return out


def _group(source: str) -> int:
    top = source.split(".")[0]
    return 0 if top in sys.stdlib_module_names else 2 if top == "chatexchange" else 1


def _relative(source: str) -> str:
    if source.startswith("chatexchange.client."):
        return "." + source.removeprefix("chatexchange.client.")
    if source.startswith("chatexchange."):
        return ".." + source.removeprefix("chatexchange.")
    return source


def _from(source: str, names: set[str], indent: str) -> str:
    relative = _relative(source)
    line = f"{indent}from {relative} import {', '.join(sorted(names))}"
    if len(line) <= _WIDTH:
        return line
    body = "".join(f"{indent}    {name},\n" for name in sorted(names))
    return f"{indent}from {relative} import (\n{body}{indent})"


def _twin_type(annotation: str) -> tuple[str, Callable[[str], str] | None]:
    """The blocking result type of an async result type, and how a value is turned into it."""
    if annotation in OBJECTS:
        twin = OBJECTS[annotation]
        return twin, lambda v: f"{twin}(self._loop_thread, {v})"
    m = re.fullmatch(r"(\w+) \| None", annotation)
    if m and m[1] in OBJECTS:
        twin = OBJECTS[m[1]]
        return f"{twin} | None", lambda v: (
            f"None if {v} is None else {twin}(self._loop_thread, {v})"
        )
    m = re.fullmatch(r"list\[(\w+)\]", annotation)
    if m and m[1] in OBJECTS:
        twin = OBJECTS[m[1]]
        return f"list[{twin}]", lambda v: f"[{twin}(self._loop_thread, item) for item in {v}]"
    if _OBJECT.search(annotation):
        raise TypeError(f"no rule for a client object inside {annotation!r}")
    return annotation, None


def _default(value: Any, module_name: str, imports: _Imports) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    module = sys.modules[module_name]
    for name, candidate in vars(module).items():
        if candidate is value and not name.startswith("__"):
            imports.need(name, module_name, runtime=True)
            return name
    raise LookupError(f"{module_name}: no module-level name for the default {value!r}")


def _docstring(doc: str | None, indent: str) -> list[str]:
    if not doc:
        return []
    text = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.splitlines()
    if len(lines) == 1 and len(indent) + len(lines[0]) + 6 <= _WIDTH:
        return [f'{indent}"""{lines[0]}"""']
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}" if line else "" for line in lines[1:]]
    return [*out, f'{indent}"""']


def _wrapped(head: str, parts: list[str], tail: str, indent: str) -> list[str]:
    """``head(parts)tail`` on one line when it fits, else one part per line."""
    line = f"{indent}{head}{', '.join(parts)}{tail}"
    if len(line) <= _WIDTH:
        return [line]
    inner = indent + "    "
    one = f"{inner}{', '.join(parts)}"
    if len(one) <= _WIDTH:
        return [f"{indent}{head}", one, indent + tail]
    return [f"{indent}{head}", *(f"{inner}{part}," for part in parts), indent + tail]


def _method(name: str, function: Any, module_name: str, imports: _Imports) -> list[str]:
    signature = inspect.signature(function)
    annotation = signature.return_annotation
    if not isinstance(annotation, str):
        raise TypeError(f"{function.__qualname__}: annotations must be strings (future import)")
    if inspect.iscoroutinefunction(function):
        kind, result = "call", annotation
    elif m := re.fullmatch(r"asyncio\.Task\[(.*)\]", annotation):
        kind, result = "call", m[1]
    elif m := re.fullmatch(r"AsyncIterator\[(.*)\]", annotation):
        kind, result = "iterate", m[1]
    else:
        kind, result = "plain", annotation
    params = ["self"]
    args = []
    star = False
    for parameter in list(signature.parameters.values())[1:]:
        text = parameter.annotation
        if _OBJECT.search(text):
            text = _OBJECT.sub(lambda m: f"{OBJECTS[m[1]]} | {m[1]}", text)
            value = f"unwrap({parameter.name})"
        else:
            value = parameter.name
        imports.need(text, module_name)
        if parameter.kind is parameter.VAR_POSITIONAL:
            params.append(f"*{parameter.name}: {text}")
            args.append(f"*{value}")
            star = True
            continue
        if parameter.kind is parameter.VAR_KEYWORD:
            params.append(f"**{parameter.name}: {text}")
            args.append(f"**{value}")
            continue
        if parameter.kind is parameter.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        declared = f"{parameter.name}: {text}"
        if parameter.default is not parameter.empty:
            declared += f" = {_default(parameter.default, module_name, imports)}"
        params.append(declared)
        keyword = parameter.kind is parameter.KEYWORD_ONLY
        args.append(f"{parameter.name}={value}" if keyword else value)
    twin, wrap = _twin_type(result)
    imports.need(twin, module_name)
    returns = f"BridgedIterator[{twin}]" if kind == "iterate" else twin
    out = _wrapped(f"def {name}(", params, f") -> {returns}:", "    ")
    out += _docstring(inspect.getdoc(function), "        ")
    target = f"self._target.{name}"
    if kind == "iterate":
        item = "same" if wrap is None else f"lambda item: {wrap('item')}"
        return out + _wrapped("return self._iterate(", [item, target, *args], ")", "        ")
    helper = "self._call" if kind == "call" else "self._call_plain"
    if wrap is None:
        return out + _wrapped(f"return {helper}(", [target, *args], ")", "        ")
    out += _wrapped(f"found = {helper}(", [target, *args], ")", "        ")
    return [*out, f"        return {wrap('found')}"]


def _property(name: str, prop: property, module_name: str, imports: _Imports) -> list[str]:
    annotation = inspect.signature(prop.fget).return_annotation  # type: ignore[arg-type]
    twin, wrap = _twin_type(annotation)
    imports.need(twin, module_name)
    out = ["    @property", f"    def {name}(self) -> {twin}:"]
    out += _docstring(inspect.getdoc(prop), "        ")
    value = f"self._target.{name}"
    return [*out, f"        return {wrap(value) if wrap else value}"]


def _value(name: str, annotation: str, module_name: str, imports: _Imports) -> list[str]:
    """A snapshot value the async class declares: read from the async object."""
    imports.need(annotation, module_name)
    return ["    @property", f"    def {name}(self) -> {annotation}:",
            f"        return self._target.{name}"]


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    """The public methods and properties the class defines or inherits (not object's), and the
    snapshot values it declares (annotations, as strings)."""
    declared: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        declared.update(inspect.get_annotations(klass))
    for name in sorted(set(dir(cls)) | set(declared)):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name, None)
        if isinstance(raw, property) or inspect.isfunction(raw):
            yield name, raw
        elif raw is None and name in declared:
            yield name, declared[name]


def generate() -> str:
    """The source of ``_blocking_twins.py`` for the async classes as they are now."""
    imports = _Imports()
    classes: list[str] = []
    names = []
    for module_name, class_name, twin in TWINS:
        cls = getattr(importlib.import_module(module_name), class_name)
        imports.need(class_name, module_name, runtime=True)  # the base's type argument
        names.append(twin)
        body = [f"class {twin}(Blocking[{class_name}]):"]
        doc = f"The blocking twin of ``{class_name}``: each call waits for its result."
        body += _docstring(doc, "    ")
        body.append("")
        body.append("    __slots__ = ()")
        for name, member in _members(cls):
            body.append("")
            if isinstance(member, str):
                body += _value(name, member, module_name, imports)
            elif isinstance(member, property):
                body += _property(name, member, module_name, imports)
            else:
                body += _method(name, member, module_name, imports)
        classes.append("\n".join(body))
    exports = "\n".join(_wrapped("__all__ = [", [f'"{n}"' for n in sorted(names)], "]", ""))
    parts = [HEADER + "\n".join(imports.lines()), exports, *classes]
    return "\n\n\n".join(parts) + "\n"


def main() -> None:
    TARGET.write_text(generate(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
