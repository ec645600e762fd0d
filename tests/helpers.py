"""Small helpers shared by the test modules."""

from __future__ import annotations

from pathlib import Path

from wuling_geo.cli import run


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``wuling-geo ARGS`` in-process; return (exit code, stdout, stderr)."""
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


#: A small FIXTURE gazetteer for code tests: adding a sourced position to the shipped
#: gazetteer never changes what these tests see (the shipped data has tests of its own).
SMALL_GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer_small.toml"
