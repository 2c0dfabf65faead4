"""chatexchange.talk: the dispatch engine (after the graph-talk design).

Conditions ranked by type-specific checks, Handlers choosing the best (condition, event) pair
with tag filtering, and graphs of notions and relations walked by processes with lookahead.

There are two implementations of one source: the pure-Python modules in this package (the reference,
and the fallback on PyPy or without a compiler) and their Cython-compiled twins in
``chatexchange._speedups``. The names below come from the compiled twins when they are built and not
disabled with ``CHATEXCHANGE_NO_EXTENSIONS=1``; ``COMPILED`` says which one is loaded, and
``implementation("pure")`` / ``implementation("compiled")`` give either one explicitly.
"""

from __future__ import annotations

import importlib
import os
from types import SimpleNamespace

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


def _select() -> SimpleNamespace:
    disabled = os.environ.get("CHATEXCHANGE_NO_EXTENSIONS", "").strip().lower()
    if disabled in {"1", "true", "yes", "on"}:
        return implementation("pure")
    try:
        return implementation("compiled")
    except ImportError:
        return implementation("pure")


_selected = _select()
#: True when the Cython-compiled engine is the one behind these names.
COMPILED: bool = _selected.KIND == "compiled"
globals().update((k, v) for k, v in vars(_selected).items() if k != "KIND")
__all__ = [*sorted(k for k in vars(_selected) if k != "KIND"), "COMPILED", "implementation"]
