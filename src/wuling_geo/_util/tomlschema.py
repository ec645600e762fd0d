"""TOML files checked by pydantic models, with errors that name the file, line and field.

pydantic reports where a value failed as a *location*, ``("place", 3, "position", "lat")``;
TOML parsers keep no line numbers. :func:`key_lines` scans the text once and records the line
of every key and table header under its location (array-of-tables entries are counted, as
``[[place]]`` number 3 is ``("place", 3)``), and :func:`describe` turns the first error of a
:class:`pydantic.ValidationError` into ``(line, field, problem)``, the field dotted without
array indices (``position.lat``) and the problem in plain words ("is missing", "must be a
number", "'x' is not one of a, b"). A location with no line of its own (a key of an inline
table, an item of a list) takes the line of the nearest enclosing key.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

#: Model settings of every file schema: no coercion ("5" is not 5, 1 is not true) and no
#: unknown keys. A schema that should accept new keys sets ``extra="allow"`` on its model.
STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)

_KEY = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_PART = re.compile(_KEY)

Loc = tuple[str | int, ...]


def _parts(dotted: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(dotted)]


def key_lines(text: str) -> dict[Loc, int]:
    """Return the 1-based line of every key and table header of TOML ``text``, by location.

    Lines inside multi-line strings are skipped. Array-of-tables headers get the index of
    their entry: the second ``[[place]]`` is ``("place", 1)``, and a ``[[place.facts]]``
    under it ``("place", 1, "facts", 0)``.
    """
    lines: dict[Loc, int] = {}
    counts: dict[Loc, int] = {}
    table: Loc = ()
    in_string: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if raw.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(raw)
        if header:
            loc: Loc = ()
            parts = _parts(header.group(2))
            for i, part in enumerate(parts):
                loc = (*loc, part)
                if loc in counts and (header.group(1) == "[" or i < len(parts) - 1):
                    loc = (*loc, counts[loc] - 1)  # a table inside the latest array entry
            if header.group(1) == "[[":
                counts[loc] = counts.get(loc, 0) + 1
                loc = (*loc, counts[loc] - 1)
            table = loc
            lines.setdefault(loc, number)
            continue
        assign = _ASSIGN.match(raw)
        if assign:
            lines.setdefault((*table, *_parts(assign.group(1))), number)
        for quote in ('"""', "'''"):
            if raw.count(quote) % 2 == 1:
                in_string = quote
    return lines


def line_of(lines: dict[Loc, int], loc: Loc, default: int = 1) -> int:
    """Return the line of ``loc``, or of the nearest enclosing location that has one."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return default


def field_name(loc: Loc) -> str:
    """Return a location as a dotted field name without array indices: ``position.lat``."""
    return ".".join(str(p) for p in loc if not isinstance(p, int))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def known_fields(model: type[BaseModel], loc: Loc) -> list[str]:
    """Return the field names of the model that holds the last key of ``loc`` (sorted)."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        inner = _models_in(field.annotation) if field is not None else []
        if not inner:
            break
        model = inner[0]
    return sorted(model.model_fields)


_KINDS = {"string": "non-empty text", "int": "a whole number", "float": "a number",
          "bool": "true or false", "dict": "a table", "list": "a list", "model": "a table"}


def problem(error: dict[str, Any]) -> str:
    """Return one pydantic error (an item of ``ValidationError.errors()``) in plain words."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is an unknown field"
    if kind == "literal_error":
        options = str(error.get("ctx", {}).get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{value!r} is not one of {options}"
    if kind in ("value_error", "assertion_error"):
        return str(error["ctx"]["error"])
    for name, words in _KINDS.items():
        if kind.startswith(name) or kind == f"{name}_type":
            return f"must be {words}, not {value!r}" if not isinstance(value, dict) else f"must be {words}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return str(error["msg"]).replace("Input should be", "must be") + f", not {value!r}"
    return str(error["msg"])


def describe(exc: ValidationError, text: str, base: Loc = (), default_line: int = 1
             ) -> tuple[int, Loc, str]:
    """Return ``(line, loc, problem)`` of the first error of ``exc``.

    Parameters
    ----------
    exc
        The error of a model validated from (part of) the parsed file.
    text
        The TOML text, to find lines in.
    base
        Where in the file the validated part sits, e.g. ``("place", 3)``.
    default_line
        The line to give when no enclosing key has one.
    """
    error = exc.errors()[0]
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))  # union tags
    return line_of(key_lines(text), (*base, *loc), default_line), loc, problem(error)
