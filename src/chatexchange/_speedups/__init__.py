"""Cython-compiled twins of the engine modules in ``chatexchange.talk``.

Each ``<name>.pxd`` here types ``chatexchange/talk/<name>.py``; the build compiles that source into
``chatexchange._speedups.<name>``. Use them through ``chatexchange.talk`` (``COMPILED`` says whether
they are loaded, ``implementation("compiled")`` gives them explicitly).
"""
