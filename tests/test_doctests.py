"""The ``Examples`` of the main public functions run as doctests (on SYNTHETIC networks).

Exactly these docstrings are collected (not the whole package, whose other examples are
illustrations): the ten main functions of ``import wuling_geo as wg`` and the place
vocabulary of :mod:`wuling_geo.data.places`.
"""

from __future__ import annotations

import doctest
import sys
import tempfile

import pytest

import wuling_geo as wg
from wuling_geo._util.spans import spans
from wuling_geo.analysis.catchments.polygon_assembly import ring_keys
from wuling_geo.data import places
from wuling_geo.network import synthetic

#: The documented entry points whose examples must run.
MAIN = (wg.geocode, wg.load_network, wg.catchments, wg.od_matrix, wg.accessibility_surface,
        wg.reach, wg.plan_itinerary, wg.render_map, wg.write_itinerary, wg.summarize_network)
OTHERS = (places.Site, places.as_site, places.as_sites, synthetic.grid_network, spans,
          ring_keys)


@pytest.mark.parametrize("func", MAIN + OTHERS, ids=lambda f: f.__qualname__)
def test_examples_run(func, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' folders, cleaned up
    globs = dict(vars(sys.modules[func.__module__]))  # as --doctest-modules would see them
    tests = doctest.DocTestFinder(recurse=False).find(func, func.__qualname__, globs=globs)
    examples = [t for t in tests if t.examples]
    assert examples, f"{func.__qualname__} has no Examples section"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in examples:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {func.__qualname__} failed (see above)"


def test_main_functions_have_numpydoc_examples():
    for func in MAIN:
        assert "\n    Examples\n    --------\n" in func.__doc__, func.__qualname__
