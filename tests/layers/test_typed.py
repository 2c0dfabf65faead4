"""The package tells type checkers it is typed (PEP 561): ``py.typed`` ships with it.

The suite also runs against the installed wheel (``.ci/run``), so this fails when packaging drops
the marker."""

from importlib import resources


def test_py_typed_ships_with_the_package():
    marker = resources.files("chatexchange") / "py.typed"
    assert marker.is_file()
