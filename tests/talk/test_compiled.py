"""A broken build must not pass as the pure fallback: with CHATEXCHANGE_REQUIRE_EXTENSIONS=1 the
selected engine is the compiled one, its modules are extension modules and its classes extension
types. Without the switch the same checks run whenever the compiled engine is built."""

from __future__ import annotations

import importlib
import importlib.machinery

import pytest

import chatexchange.talk

from .conftest import _flag, load_implementation

HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set for classes defined in Python


def test_selection_follows_the_switches():
    if _flag("CHATEXCHANGE_NO_EXTENSIONS"):
        assert chatexchange.talk.COMPILED is False
        assert chatexchange.talk.Handler is chatexchange.talk.implementation("pure").Handler
    elif _flag("CHATEXCHANGE_REQUIRE_EXTENSIONS"):
        assert chatexchange.talk.COMPILED is True
    kind = "compiled" if chatexchange.talk.COMPILED else "pure"
    assert chatexchange.talk.Handler is chatexchange.talk.implementation(kind).Handler


def test_compiled_modules_are_extensions():
    compiled = load_implementation("compiled")
    for name in chatexchange.talk.MODULES:
        module = importlib.import_module(f"chatexchange._speedups.{name}")
        assert module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), module
    for name in (
        "Access",
        "Condition",
        "TrueCondition",
        "Event",
        "Handler",
        "DictChangeOperation",
        "DictChangeGroup",
    ):
        cls = getattr(compiled, name)
        assert cls.__module__.startswith("chatexchange._speedups."), cls
        assert not cls.__flags__ & HEAPTYPE, f"{cls} is not an extension type"
    with pytest.raises(AttributeError):
        compiled.Handler().__dict__  # noqa: B018 (extension instances have no __dict__)


def test_the_pure_engine_is_plain_python():
    pure = chatexchange.talk.implementation("pure")
    assert pure.Handler.__module__ == "chatexchange.talk.core"
    assert pure.Handler.__flags__ & HEAPTYPE


def test_python_subclasses_of_compiled_classes():
    compiled = load_implementation("compiled")

    class Mine(compiled.Handler):
        def update_tags(self):
            return {"on"}

    h = Mine()
    h.on("x", "tagged", "on")
    assert h("x") is False
    h.update()
    assert h("x") == "tagged"
    h.note = "subclasses get a __dict__"
    assert h.note


def test_a_build_that_does_not_load_is_a_failure_not_a_skip(monkeypatch):
    from . import conftest

    def broken(kind):
        raise ImportError("undefined symbol: __pyx_module_is_main")

    monkeypatch.delenv("CHATEXCHANGE_NO_EXTENSIONS", raising=False)
    monkeypatch.delenv("CHATEXCHANGE_REQUIRE_EXTENSIONS", raising=False)
    monkeypatch.setattr(chatexchange.talk, "implementation", broken)
    monkeypatch.setattr(conftest, "built_extensions", lambda: ["core.so"])
    with pytest.raises(pytest.fail.Exception, match=r"built \(core.so\) but does not load"):
        conftest.load_implementation("compiled")
    monkeypatch.setattr(conftest, "built_extensions", lambda: [])
    with pytest.raises(pytest.skip.Exception, match="not built"):
        conftest.load_implementation("compiled")
