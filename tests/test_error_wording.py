"""Library messages name parameters (`` `cell_m` ``), the command line names its flags (``--cell``).

Issue 12 §1: about 40 library messages named CLI flags. A library caller has no flags; the
CLI rewords the backticked parameter names through its one table (``cli/_flags.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wuling_geo
from wuling_geo._util.errors import InputError, WulingGeoError
from wuling_geo.cli._flags import FLAGS, for_flags
from wuling_geo.network.area import parse_area

from .helpers import cli

PACKAGE = Path(wuling_geo.__file__).resolve().parent
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
#: A quoted command to run ('wuling-geo gazetteer candidates ID --out DIR') may show flags.
COMMAND = re.compile(r"'wuling-geo [^']*'")
#: Names of variables that hold (part of) a message.
MESSAGE_NAMES = re.compile(r"msg|hint|HINT|message")


def _text(node: ast.AST) -> str:
    """The literal text of a string or f-string (``{}`` for each interpolated value)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return ""


def _message_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Strings inside ``raise`` statements, message variables and ``notes.append`` calls."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            roots.append(node)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and MESSAGE_NAMES.search(t.id) for t in node.targets):
            roots.append(node.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "append" and isinstance(node.func.value, ast.Name)
              and node.func.value.id == "notes"):
            roots.append(node)
    found = []
    for root in roots:
        parts = {id(v) for n in ast.walk(root) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(root):
            if (isinstance(node, (ast.Constant, ast.JoinedStr)) and id(node) not in parts
                    and _text(node)):
                found.append((node.lineno, _text(node)))
    return found


def test_no_library_message_names_a_flag():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for line, text in _message_strings(ast.parse(path.read_text("utf-8"))):
            if FLAG.search(COMMAND.sub("", text)):
                offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {text!r}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_would_catch_a_flag():
    tree = ast.parse('def f(x):\n    raise ValueError(f"{x} is bad: check --area")\n')
    assert any(FLAG.search(t) for _, t in _message_strings(tree))


def test_every_backticked_name_in_a_library_message_has_a_flag():
    names = set()
    for path in PACKAGE.rglob("*.py"):
        if "cli" not in path.relative_to(PACKAGE).parts:
            for _, text in _message_strings(ast.parse(path.read_text("utf-8"))):
                names |= set(re.findall(r"`([a-z_]+)`", text))
    assert names and names <= set(FLAGS), names - set(FLAGS)


def test_a_library_call_names_the_parameter(tmp_path):
    with pytest.raises(InputError) as caught:
        parse_area("abc,def")
    message = str(caught.value)
    assert message.startswith("`area` 'abc,def' is not W,S,E,N") and "--" not in message
    assert caught.value.param == ("area",)


def test_the_cli_names_the_flag_for_the_same_error(capsys, tmp_path):
    osm = tmp_path / "roads.osm"
    osm.write_text("<osm/>", "utf-8")
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", "abc,def",
                       "--out", str(tmp_path / "net"))
    assert code == 2
    assert err.strip() == ("wuling-geo: error: --area 'abc,def' is not W,S,E,N (four numbers in "
                           "degrees), 'qianjiang', 'neighbours' or a polygon file")
    assert not (tmp_path / "net").exists()


def test_rewording_touches_only_backticked_table_names():
    assert for_flags("`cell_m` 5 m is too fine: use `cell_m` 900") == "--cell 5 m is too fine: use --cell 900"
    assert for_flags("the output is out of range; `unknown` stays") == (
        "the output is out of range; `unknown` stays")


def test_param_survives_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(InputError("`out` is taken", param="out")))
    assert isinstance(error, WulingGeoError) and error.param == ("out",)
    assert InputError("plain").param == ()
