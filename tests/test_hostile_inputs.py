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
KNOWN_FAILING: dict[str, str] = {
    **dict.fromkeys((
        "usage-unknown-command", "usage-typo-command", "usage-unknown-option",
        "usage-unknown-sub-option", "usage-missing-argument", "usage-missing-lat",
        "usage-extra-argument", "usage-option-needs-value", "usage-route-no-start",
        "usage-network-no-subcommand-arg", "usage-network-unknown-sub", "workers-option-zero",
        "workers-option-negative", "workers-option-word", "workers-option-nan",
        "workers-option-huge", "gazetteer-is-folder", "datum-lon-nan", "datum-lat-nan",
        "datum-lon-inf", "datum-lat-inf", "datum-lon-neg-inf", "datum-lat-neg-inf",
        "datum-lon-huge", "datum-lat-huge", "datum-lon-word", "datum-lat-word",
        "datum-lon-empty", "datum-lat-empty", "datum-lon-200", "datum-lat-95", "datum-swapped",
        "datum-pair-in-one", "datum-comma-decimal", "datum-underscore-number",
        "geocode-negative-lon", "geocode-osm-folder", "layers-out-is-file",
        "import-folder-as-source", "import-buffer-word", "import-consolidate-negative",
        "import-consolidate-zero", "import-consolidate-word", "import-out-is-file",
        "info-is-file", "info-profile-unknown", "catchments-access-word",
        "catchments-simplify-word", "catchments-mode-unknown", "catchments-direction-unknown",
        "catchments-profile-unknown", "catchments-category-unknown", "catchments-out-is-folder",
        "catchments-network-is-file", "route-profile-unknown", "route-out-is-file",
        "matrix-profile-unknown", "access-cell-word", "access-speed-word",
        "access-direction-unknown", "reach-minutes-word", "reach-profile-unknown",
        "map-out-is-folder", "map-network-is-file", "assets-check-dir-is-file",
        "build-out-is-file"),
        "click prints a Usage/Try/Error block, not one 'wuling-geo: error:' line"),
    'usage-nul-byte-out': 'traceback: ValueError: embedded null byte',
    'geocode-osm-missing': 'bad value accepted (exit 0)',
    **dict.fromkeys((
        "geocode-osm-empty", "geocode-osm-garbage", "geocode-osm-html",
        "layers-keeps-old-output"),
        "an info line ('reading named features') precedes the error"),
    'layers-out-empty': "--out '' accepted: layers written into the working folder",
    **dict.fromkeys((
        "layers-osm-missing", "import-consolidate-nan", "import-consolidate-inf",
        "import-consolidate-huge", "import-snap-nan", "import-snap-inf", "import-snap-huge",
        "catchments-simplify-inf", "catchments-simplify-huge", "access-speed-huge",
        "build-osm-missing", "build-network-missing", "build-network-garbage"),
        'bad value accepted (exit 0, output written)'),
    **dict.fromkeys((
        "layers-osm-empty-pbf", "layers-osm-garbage", "layers-osm-truncated-pbf",
        "layers-osm-bad-xml", "layers-osm-html-page", "build-osm-garbage"),
        'an info line precedes the error; the --out folder is left behind'),
    **dict.fromkeys((
        "layers-online-offline", "build-online-offline"),
        'error glued to an unfinished progress bar; --out folder left behind'),
    'import-out-user-folder': "replaces the user's folder given as --out: their files are deleted",
    'import-nan-coordinates': "traceback: InvalidLocationError: wrong format for coordinate: 'nan'",
    'import-buffer-nan': "traceback: AttributeError: 'NoneType' object has no attribute 'bounds'",
    **dict.fromkeys((
        "import-buffer-inf", "import-buffer-huge", "fetch-buffer-inf", "fetch-buffer-huge"),
        'traceback: GEOSException: buffer distance must be finite'),
    'import-out-under-file': "traceback: FileExistsError: File exists: 'afile'",
    **dict.fromkeys((
        "import-default-out-cache-under-file", "env-data-is-file"),
        "traceback: NotADirectoryError: Not a directory: '..."),
    **dict.fromkeys((
        "fetch-env-connect-timeout-word", "env-connect-timeout-word-geocode",
        "env-connect-timeout-word-offline-command"),
        "traceback: ValueError: could not convert string to float: 'abc'"),
    'fetch-env-connect-timeout-negative': 'traceback: ValueError: Timeout value out of range',
    'fetch-env-connect-timeout-nan': 'traceback: ValueError: Invalid value NaN',
    'fetch-env-connect-timeout-inf': 'traceback: OverflowError: timestamp out of range for platform time_t',
    'fetch-env-connect-timeout-empty': "traceback: ValueError: could not convert string to float: ''",
    'info-meta-not-object': "traceback: AttributeError: 'list' object has no attribute 'get'",
    'catchments-access-nan': "traceback: AttributeError: 'NoneType' object has no attribute 'exterior'",
    **dict.fromkeys((
        "catchments-access-inf", "catchments-access-huge"),
        'traceback: GEOS error after RuntimeWarning in polygonize'),
    'catchments-simplify-nan': "traceback: AttributeError: 'NoneType' object has no attribute 'is_empty'",
    'matrix-csv-injection': "a name starting with '=' goes into od.csv unescaped (CSV injection)",
    'access-cell-huge': 'traceback: RuntimeWarning in _hexgrid (cell size not checked)',
    'assets-no-npm': "the 'running: npm install' info line precedes the error",
    'assets-npm-fails': "the 'running: npm' info line precedes the error; --dir left behind",
    'assets-dir-under-file': "traceback: NotADirectoryError: Not a directory: 'afile/assets'",
    'build-maps-under-file': 'checks --maps only after writing layers: out/ left behind',
}

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
