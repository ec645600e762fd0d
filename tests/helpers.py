"""Small helpers shared by the test modules."""

from __future__ import annotations

from wuling_geo.cli import run


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``wuling-geo ARGS`` in-process; return (exit code, stdout, stderr)."""
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err
