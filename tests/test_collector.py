"""The garbage collector's pause (``_util.collector``) and its use by ``catchments``."""

from __future__ import annotations

import gc
import threading

import pytest

from wuling_geo._util.collector import collector_paused
from wuling_geo.analysis.catchments import bands, contours
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.network.synthetic import grid_network


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_pause_stops_the_collector_and_restores_it(collector_on):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_callers_own_disable_stands(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_concurrent_pauses_resume_when_the_last_ends(collector_on):
    inside, leave = threading.Barrier(3), threading.Event()

    def pause():
        with collector_paused():
            inside.wait()
            leave.wait()

    threads = [threading.Thread(target=pause) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    leave.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_a_pause_ends_on_an_error(collector_on):
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


@pytest.mark.parametrize(("engine", "maker"), [("contour", (contours, "_delivered")),
                                               ("exact", (bands, "nested_polygons"))])
def test_catchments_make_their_bands_with_the_collector_paused(collector_on, monkeypatch, engine,
                                                                maker):
    """Regression: full collections walked every geometry of the network, GIL held, while
    the bands were made (0.33 s of a 6.4 s call on the 100k SYNTHETIC network)."""
    net = grid_network(12, 12, spacing_m=400, origin=(108.74, 29.42))  # SYNTHETIC
    module, name = maker
    real, seen = getattr(module, name), []
    monkeypatch.setattr(module, name, lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    got = catchments(net, [(108.76, 29.44)], (2, 4), stats=False, engine=engine)
    assert len(got) == 2 and seen and not any(seen)
    assert gc.isenabled()
