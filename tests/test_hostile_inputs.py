"""Every hostile CLI input of issue 11 (tests/hostile_cases.py) gives the promised outcome.

Each case runs ``wuling-geo ARGV`` in-process in a working folder of its own, against a saved
SYNTHETIC network (not real roads), with online services pointed at a closed port; see
tests/hostile_runner.py for what ``error``, ``ok`` and ``safe`` demand. ``python
benchmarks/hostile_table.py`` prints the same cases as a Markdown table.
"""

from __future__ import annotations

import pytest

from .hostile_cases import CASES
from .hostile_runner import REALDATA, run_case

#: Cases that fail on the code of this commit, with why. Fixes merged from the other branches
#: should empty this set: a case listed here that passes fails the run (strict xfail).
KNOWN_FAILING: dict[str, str] = {}

def _param(case):
    marks = ()
    if case.id in KNOWN_FAILING:
        marks = pytest.mark.xfail(strict=True, reason=KNOWN_FAILING[case.id])
    return pytest.param(case, id=case.id, marks=marks)


def test_the_table_is_complete():
    ids = [case.id for case in CASES]
    assert len(ids) >= 260 and len(set(ids)) == len(ids)
    assert not set(KNOWN_FAILING) - set(ids), "KNOWN_FAILING names cases that do not exist"
    commands = {case.command for case in CASES}
    for command in ("datum", "geocode", "layers", "network import", "network fetch",
                    "network info", "catchments", "route", "matrix", "access", "reach", "map",
                    "map-assets", "build"):
        assert command in commands, command
    assert {case.expect for case in CASES} == {"error", "ok", "safe"}


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_hostile_input(case, tmp_path, network_dir, closed_port_url):
    if any("{realdata}" in a for a in case.argv) and not REALDATA.is_dir():
        pytest.skip(f"real extracts not found at {REALDATA}")
    outcome = run_case(case, tmp_path, network_dir, closed_port_url)
    assert outcome.passed, (f"{case.id} ({case.expect}): {outcome.summary()}\n"
                            f"argv: {[a[:80] for a in case.argv]}\nexit: {outcome.code}\n"
                            f"stderr: {outcome.err[-1500:]}")
