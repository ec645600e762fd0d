"""Batches on a real Dask LocalCluster (two worker processes) on a SYNTHETIC grid network."""

from __future__ import annotations

import json
import os
import signal

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from tests.synthetic import grid_network  # noqa: E402
from wuling_geo.analysis.batch import BatchJob, single_process  # noqa: E402
from wuling_geo.analysis.catchments.bands import catchments  # noqa: E402
from wuling_geo.analysis.catchments.origins import Origin  # noqa: E402
from wuling_geo.analysis.od_matrix import od_matrix  # noqa: E402
from wuling_geo.cli import run  # noqa: E402
from wuling_geo.network.model import load_network, save_network  # noqa: E402
from wuling_geo.present.batch import BatchError, run_batch, work_folder  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50) as cl,
          distributed.Client(cl) as client):
        yield cl, client


@pytest.fixture(scope="module")
def net_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch") / "net"
    save_network(grid_network(10, 10, 500.0), folder)  # SYNTHETIC
    return folder


def _origins(net_dir, step=3):
    nodes = load_network(net_dir).nodes
    return [(f"o{i}", f"origin {i}", float(nodes["x"].iloc[i]) + 2e-4, float(nodes["y"].iloc[i]))
            for i in range(0, len(nodes), step)]


def _assert_same(got, ref):
    assert list(got.columns) == list(ref.columns)
    if "geometry" in ref:
        assert got.geometry.geom_equals_exact(ref.geometry, 0).all()
        got, ref = got.drop(columns="geometry"), ref.drop(columns="geometry")
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(ref), check_dtype=False)


def _slow_chunks(seconds):
    """Make this worker's chunks take ``seconds`` longer (``0``: as they were)."""
    import time

    from wuling_geo.analysis import batch

    real = getattr(batch.compute_chunk, "real", batch.compute_chunk)
    if not seconds:
        batch.compute_chunk = real
        return

    def slowed(spec):
        time.sleep(seconds)
        return real(spec)

    slowed.real = real
    batch.compute_chunk = slowed


def test_matrix_survives_a_killed_worker(cluster, net_dir, tmp_path):
    cl, client = cluster
    origins = _origins(net_dir, step=2)
    targets = origins[::5]
    job = BatchJob("matrix", str(net_dir), origins, targets=targets, chunk_size=5)
    killed = []
    # The chunks of this small network took milliseconds: once they got faster, every one
    # could be done before the first was reported, leaving no busy worker to kill. Slowed,
    # the other worker is always in the middle of one when the first is reported.
    client.run(_slow_chunks, 0.5)

    def kill_a_busy_worker(index, client):
        if killed:
            return
        for address, keys in client.processing().items():
            if keys:
                pid = client.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return

    out = tmp_path / "od.parquet"
    try:
        report = run_batch(job, out, client=client, on_chunk=kill_a_busy_worker)
    finally:
        client.run(_slow_chunks, 0)  # the worker that took the killed one's place is not slowed
    assert killed, "no worker was busy to be killed"
    assert report.computed == job.n_chunks == 10
    # The plain single-process call, all origins at once, row for row.
    ref = od_matrix(load_network(net_dir), origins, targets)
    ref["attribution"] = ref.attrs["attribution"]
    _assert_same(pd.read_parquet(out), ref)
    assert not work_folder(out).exists()


def test_catchments_resume_after_an_interruption(cluster, net_dir, tmp_path):
    _, client = cluster
    origins = _origins(net_dir, step=9)
    job = BatchJob("catchments", str(net_dir), origins, minutes=(3, 6), chunk_size=2)
    out = tmp_path / "bands.parquet"

    class Stop(Exception):
        pass

    seen = []

    def interrupt(index, client):
        seen.append(index)
        if len(seen) == 3:
            raise Stop

    with pytest.raises(Stop):
        run_batch(job, out, client=client, on_chunk=interrupt)
    assert not out.exists()  # nothing partial as the final file
    manifest = json.loads((work_folder(out) / "manifest.json").read_text())
    assert sorted(manifest["done"]) == sorted(seen)
    report = run_batch(job, out, client=client)
    assert (report.resumed, report.computed) == (3, job.n_chunks - 3)
    ref = catchments(load_network(net_dir), [Origin(*o) for o in origins], (3, 6))
    _assert_same(gpd.read_parquet(out), ref)
    assert not work_folder(out).exists()


def test_other_inputs_start_afresh_and_bad_input_is_not_retried(cluster, net_dir, tmp_path):
    _, client = cluster
    origins = _origins(net_dir, step=11)
    out = tmp_path / "access.gpkg"
    folder = work_folder(out)
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(
        {"format": "wuling-geo batch work folder 1", "key": "other", "done": [0]}))
    (folder / "part-000000.parquet").write_text("stale")
    job = BatchJob("access", str(net_dir), origins, targets=origins[:2], chunk_size=3)
    report = run_batch(job, out, client=client)
    assert report.resumed == 0
    _assert_same(gpd.read_file(out), single_process(job))
    far = BatchJob("matrix", str(net_dir), [*origins, ("far", "far away", 109.5, 30.5)],
                   targets=origins[:2], chunk_size=3)
    with pytest.raises(Exception, match="far away") as err:
        run_batch(far, tmp_path / "far.parquet", client=client, retries=0)
    assert not isinstance(err.value, BatchError)  # the input error itself, one line
    assert not (tmp_path / "far.parquet").exists()


def test_cli_batch_matrix_on_a_scheduler(cluster, net_dir, tmp_path, capsys):
    cl, _ = cluster
    origins = _origins(net_dir, step=7)
    pts = tmp_path / "pts.csv"
    pd.DataFrame(origins, columns=["id", "name", "lon", "lat"]).to_csv(pts, index=False)
    out = tmp_path / "od.csv"
    code = run(["-q", "batch", "matrix", "--network", str(net_dir), "--origins", str(pts),
                "--to", str(pts), "--out", str(out), "--chunk", "4",
                "--scheduler", cl.scheduler_address])
    assert code == 0, capsys.readouterr().err
    got = pd.read_csv(out)
    assert len(got) == len(origins) ** 2
    assert "wrote" in capsys.readouterr().out
    code = run(["batch", "matrix", "--network", str(net_dir), "--origins", str(pts),
                "--to", str(pts), "--out", str(tmp_path / "od.gpkg")])
    assert code == 2
    assert "FILE.csv or FILE.parquet" in capsys.readouterr().err


def test_unreadable_points_are_one_line_errors(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("not points")
    nolat = tmp_path / "nolat.csv"
    nolat.write_text("lon\n108.7\n")
    for points in (bad, nolat):
        code = run(["batch", "catchments", "--network", str(tmp_path), "--origins", str(points),
                    "--out", str(tmp_path / "x.parquet")])
        assert code == 2
        err = capsys.readouterr().err
        assert "no saved network" in err
    folder = tmp_path / "net"
    save_network(grid_network(3, 3), folder)  # SYNTHETIC
    for points, word in ((bad, "cannot read points from bad.txt"), (nolat, "lacks the column(s) lat"),
                         (tmp_path / "none.csv", "not found")):
        code = run(["batch", "catchments", "--network", str(folder), "--origins", str(points),
                    "--out", str(tmp_path / "x.parquet")])
        err = capsys.readouterr().err
        assert code == 2 and word in err and len(err.strip().splitlines()) == 1, err


def test_a_big_matrix_batch_uses_the_hierarchy_built_once(cluster, net_dir, tmp_path,
                                                          monkeypatch):
    """Each chunk of a big matrix reads the hierarchy back; it was one search per origin."""
    from wuling_geo import settings
    from wuling_geo.analysis.od_matrix import CH_MIN_ORIGINS, od_matrix

    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    nodes = load_network(net_dir).nodes
    origins = [(f"o{i}", f"origin {i}", float(nodes["x"].iloc[i % 100]) + 1e-4 * (i // 100 + 1),
                float(nodes["y"].iloc[i % 100])) for i in range(CH_MIN_ORIGINS)]
    targets = origins[::40]
    job = BatchJob("matrix", str(net_dir), origins, targets=targets, chunk_size=50)
    assert job.task(0)["engine"] == "ch" and job.n_chunks == CH_MIN_ORIGINS // 50
    _, client = cluster
    client.run(_use_cache, str(tmp_path / "cache"))
    run_batch(job, tmp_path / "m.parquet", client=client)
    saved = list((tmp_path / "cache" / "contraction").glob("*.npz"))
    assert len(saved) == 1  # built here once, before the chunks; the workers read it back
    got = pd.read_parquet(tmp_path / "m.parquet")
    ref = od_matrix(load_network(net_dir), origins, targets, engine="dijkstra")
    np.testing.assert_allclose(got["minutes"], ref["minutes"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["km"], ref["km"], rtol=0, atol=1e-9)


def _use_cache(folder: str) -> None:
    """Point a worker's cache at ``folder`` (run on the workers)."""
    from pathlib import Path

    from wuling_geo import settings

    settings.cache_dir = Path(folder)
