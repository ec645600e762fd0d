"""Run every hostile CLI case (tests/hostile_cases.py) and print a Markdown table of results.

Each case runs in-process in a scratch folder of its own against a SYNTHETIC grid network (not
real roads), with online services pointed at a closed 127.0.0.1 port, exactly as
``tests/test_hostile_inputs.py`` runs them. The table has one row per case:
``| id | command | expected | result |``, then the totals.

Run: ``.venv/bin/python benchmarks/hostile_table.py [--only SUBSTRING] [--details]``.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hostile_cases import CASES
from tests.hostile_runner import run_case


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print the table; return 1 if any case failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="Run only cases whose id contains this.")
    parser.add_argument("--details", action="store_true",
                        help="Add the argv, seconds and last stderr line of each case.")
    args = parser.parse_args(argv)

    from tests.synthetic import grid_network

    from wuling_geo import settings
    from wuling_geo.network import save_network

    settings.quiet = True
    cases = [c for c in CASES if args.only is None or args.only in c.id]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="wuling-hostile-") as tmp:
        root = Path(tmp)
        net = root / "net" / "network"
        save_network(grid_network(12, 14, spacing_m=1000, origin=(108.74, 29.42)), net)
        closed = _closed_port_url()
        head = "| id | command | expected | result |"
        if args.details:
            head = "| id | command | expected | result | argv | s | stderr |"
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for i, case in enumerate(cases):
            outcome = run_case(case, root / f"case{i:03d}", net, closed)
            failed += not outcome.passed
            row = [case.id, case.command, case.expect, outcome.summary()]
            if args.details:
                last = [ln for ln in outcome.err.splitlines() if ln.strip()]
                row += [" ".join(case.argv)[:120], f"{outcome.seconds:.2f}",
                        (last[-1] if last else "")[:200]]
            print("| " + " | ".join(_cell(c) for c in row) + " |", flush=True)
    print(f"\n{len(cases)} cases: {len(cases) - failed} as promised, {failed} not.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
