"""chatexchange.talk: the dispatch engine (after the graph-talk design).

Conditions ranked by type-specific checks, Handlers choosing the best (condition, event) pair
with tag filtering, and graphs of notions and relations walked by processes with lookahead.

There are two implementations of one source: the pure-Python modules in this package (the reference,
and the fallback on PyPy or without a compiler) and their Cython-compiled twins in
``chatexchange._speedups``. The names below come from the compiled twins when they are built and not
disabled with ``CHATEXCHANGE_NO_EXTENSIONS=1``; ``COMPILED`` says which one is loaded, and
``implementation("pure")`` / ``implementation("compiled")`` give either one explicitly.

Type checkers read the pure modules (the ``TYPE_CHECKING`` imports below): both implementations
are one source, so they have the same names and signatures.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import TYPE_CHECKING

from .. import _env

#: Engine modules, in dependency order; each defines ``__all__``.
MODULES = ("utils", "core", "elements", "process", "builder")

_cache: dict[str, SimpleNamespace] = {}


def implementation(kind: str) -> SimpleNamespace:
    """All public engine names of one implementation: ``"pure"`` or ``"compiled"``.

    Raises ImportError when the compiled twins are not built.
    """
    if kind not in ("pure", "compiled"):
        raise ValueError(f"kind must be 'pure' or 'compiled', not {kind!r}")
    if kind not in _cache:
        package = "chatexchange._speedups" if kind == "compiled" else "chatexchange.talk"
        names: dict[str, object] = {"KIND": kind}
        for module_name in MODULES:
            module = importlib.import_module(f"{package}.{module_name}")
            names.update((name, getattr(module, name)) for name in module.__all__)
        _cache[kind] = SimpleNamespace(**names)
    return _cache[kind]


def _select() -> str:
    """``"compiled"`` when the twins are built and not disabled, else ``"pure"``."""
    if _env.flag(_env.NO_EXTENSIONS):
        return "pure"
    try:
        implementation("compiled")
    except ImportError:
        return "pure"
    return "compiled"


#: True when the Cython-compiled engine is the one behind these names.
COMPILED: bool = _select() == "compiled"

if TYPE_CHECKING:
    from .builder import GraphBuilder
    from .core import (
        TRUE_CONDITION,
        Abstract,
        Access,
        ArgSpec,
        Condition,
        Event,
        Handler,
        TrueCondition,
    )
    from .elements import (
        BACKWARD,
        FORWARD,
        ActionNotion,
        ActionRelation,
        ComplexNotion,
        Element,
        Graph,
        LoopRelation,
        NextRelation,
        Notion,
        ParsingRelation,
        Relation,
        SelectiveNotion,
        TextCursor,
    )
    from .process import (
        ParsingProcess,
        Process,
        SharedProcess,
        StackingProcess,
        StatefulProcess,
        VisitorProcess,
    )
    from .utils import (
        DictChangeGroup,
        DictChangeOperation,
        NotifyDict,
        NotifyList,
        escape,
        get_content,
        get_len,
        get_object_name,
        has_first,
        has_keys,
        is_dict,
        is_function,
        is_list,
        is_number,
        is_regex,
        is_string,
        replace_special_chars,
        tupled,
    )
elif COMPILED:
    # The same names, from the compiled twins (each module's __all__ is the list above).
    from chatexchange._speedups.builder import *  # noqa: F403
    from chatexchange._speedups.core import *  # noqa: F403
    from chatexchange._speedups.elements import *  # noqa: F403
    from chatexchange._speedups.process import *  # noqa: F403
    from chatexchange._speedups.utils import *  # noqa: F403
else:
    from .builder import *  # noqa: F403
    from .core import *  # noqa: F403
    from .elements import *  # noqa: F403
    from .process import *  # noqa: F403
    from .utils import *  # noqa: F403

__all__ = [
    "BACKWARD",
    "COMPILED",
    "FORWARD",
    "TRUE_CONDITION",
    "Abstract",
    "Access",
    "ActionNotion",
    "ActionRelation",
    "ArgSpec",
    "ComplexNotion",
    "Condition",
    "DictChangeGroup",
    "DictChangeOperation",
    "Element",
    "Event",
    "Graph",
    "GraphBuilder",
    "Handler",
    "LoopRelation",
    "NextRelation",
    "NotifyDict",
    "NotifyList",
    "Notion",
    "ParsingProcess",
    "ParsingRelation",
    "Process",
    "Relation",
    "SelectiveNotion",
    "SharedProcess",
    "StackingProcess",
    "StatefulProcess",
    "TextCursor",
    "TrueCondition",
    "VisitorProcess",
    "escape",
    "get_content",
    "get_len",
    "get_object_name",
    "has_first",
    "has_keys",
    "implementation",
    "is_dict",
    "is_function",
    "is_list",
    "is_number",
    "is_regex",
    "is_string",
    "replace_special_chars",
    "tupled",
]
