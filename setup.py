"""Build the engine's compiled twins: each ``src/chatexchange/talk/<name>.py`` that has a
``src/chatexchange/_speedups/<name>.pxd`` is compiled by Cython (pure-Python mode, the .pxd adds the
C types) into the extension ``chatexchange._speedups.<name>``.

One source, so the compiled and pure engines cannot drift. Switches:

* ``CHATEXCHANGE_NO_EXTENSIONS=1``: build nothing; the wheel is ``py3-none-any``.
* ``CHATEXCHANGE_REQUIRE_EXTENSIONS=1``: a failed compile is an error instead of a pure fallback.
* Both at once is an error (the build stops before doing anything).
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent.resolve()
SRC = HERE / "src" / "chatexchange"
GENERATED = HERE / "build" / "cython-src"


def _load_env():
    """``chatexchange._env`` (the one reading of the switches), loaded by path: nothing of the
    package is installed while it is being built."""
    spec = importlib.util.spec_from_file_location("_chatexchange_env", SRC / "_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_env = _load_env()
if _env.flag(_env.NO_EXTENSIONS) and _env.flag(_env.REQUIRE_EXTENSIONS):
    sys.exit(
        f"setup.py: error: both {_env.NO_EXTENSIONS} and {_env.REQUIRE_EXTENSIONS} are set; "
        "they contradict each other (unset one)"
    )
NO_EXTENSIONS = _env.flag(_env.NO_EXTENSIONS) or sys.implementation.name != "cpython"
REQUIRE_EXTENSIONS = _env.flag(_env.REQUIRE_EXTENSIONS)


def _stage_sources() -> list[tuple[str, str]]:
    """Copy each engine module with a .pxd into a package tree named ``chatexchange._speedups``
    so that Cython sees the right qualified name and finds the augmenting .pxd beside it."""
    pkg = GENERATED / "chatexchange" / "_speedups"
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    (GENERATED / "chatexchange" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    modules = []
    for pxd in sorted((SRC / "_speedups").glob("*.pxd")):
        source = SRC / "talk" / f"{pxd.stem}.py"
        if not source.exists():
            raise RuntimeError(f"{pxd} has no engine module {source}")
        shutil.copy2(source, pkg / source.name)
        shutil.copy2(pxd, pkg / pxd.name)
        modules.append((f"chatexchange._speedups.{pxd.stem}", str(pkg / source.name)))
    return modules


DIRECTIVES = {
    "language_level": "3",
    "binding": True,
    # boundscheck/wraparound/cdivision stay at Python semantics: the sources are
    # Python, where seq[-1], IndexError and -7 // 2 == -4 are normal behaviour.
    "embedsignature": True,
    # Types come from the .pxd files only; the annotations of the .py sources are
    # for readers and type checkers, and must not change behaviour when compiled.
    "annotation_typing": False,
    # Engine objects are not pickled; Cython's generated __reduce_cython__ breaks the
    # import of extension subclasses across modules (KeyError: '__reduce_cython__').
    "auto_pickle": False,
}


def _extensions():
    if NO_EXTENSIONS:
        return []
    try:
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        if REQUIRE_EXTENSIONS:
            raise
        print("chatexchange3: Cython is not available, building the pure-Python engine")
        return []
    modules = _stage_sources()
    if not modules:
        return []
    # No debug info in shipped extensions (it triples their size); MSVC has no such flag.
    flags = [] if sys.platform == "win32" else ["-g0"]
    extensions = [Extension(name, [path], extra_compile_args=flags) for name, path in modules]
    # Any change of any engine source, .pxd or directive regenerates every module: the .pxd files
    # cimport each other (a field added to one class changes the others' C layout), and the staged
    # copies keep their timestamps, so Cython's own dependency check cannot be trusted here.
    import Cython

    fingerprint = hashlib.sha256(repr((DIRECTIVES, Cython.__version__)).encode())
    for _name, path in modules:
        for source in (Path(path), Path(path).with_suffix(".pxd")):
            fingerprint.update(source.name.encode() + b"\0" + source.read_bytes())
    stamp = HERE / "build" / "cython-c" / "sources.sha256"
    force = not stamp.exists() or stamp.read_text() != fingerprint.hexdigest()
    try:
        result = cythonize(
            extensions,
            compiler_directives=DIRECTIVES,
            include_path=[str(GENERATED)],
            build_dir=str(HERE / "build" / "cython-c"),
            quiet=True,
            force=force,
        )
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(fingerprint.hexdigest())
        return result
    except Exception:
        if REQUIRE_EXTENSIONS:
            raise
        print("chatexchange3: Cython failed, building the pure-Python engine")
        return []




class OptionalBuildExt(build_ext):
    """A compiler failure falls back to the pure engine unless extensions are required."""

    def run(self):
        try:
            super().run()
        except Exception:
            if REQUIRE_EXTENSIONS:
                raise
            print("chatexchange3: compiling the extensions failed, using the pure-Python engine")

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception:
            if REQUIRE_EXTENSIONS:
                raise
            print(f"chatexchange3: could not compile {ext.name}, using the pure-Python engine")


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
