"""Run a batch (:mod:`wuling_geo.analysis.batch`) on a Dask cluster, writing as chunks finish.

Chunks go to a local cluster of worker processes (``distributed.LocalCluster``) or to an
existing scheduler. Each worker loads the network once (a per-process cache keyed by the
network folder); a task carries only its chunk of origins. A task whose worker dies is run
again elsewhere (``retries``). As each chunk finishes it is written as its own part file
into a work folder beside the output, and a manifest there lists the finished chunks: an
interrupted batch rerun with the same inputs resumes from it. When every chunk is done, the
output is assembled from the parts in chunk order (the single-process order), written to a
temporary file and renamed into place; then the work folder is removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuling_geo._util.errors import InputError, OutputError, WulingGeoError
from wuling_geo._util.files import atomic_path, check_output
from wuling_geo._util.progress import bar
from wuling_geo.analysis.batch import BatchJob, ChunkError, merge_chunks, prepare, run_chunk
from wuling_geo.present.exports.tables import check_table_path, read_part, write_part, write_table

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = "wuling-geo batch work folder 1"
#: Times a chunk is run again after its worker failed (Dask ``retries=``).
RETRIES = 3


class BatchError(WulingGeoError):
    """A batch stopped; its finished chunks are kept for a rerun to resume from."""


@dataclass(frozen=True)
class BatchReport:
    """What a batch did: its output, chunks computed now and taken from an earlier run."""

    path: Path
    n_chunks: int
    computed: int
    resumed: int
    rows: int


def work_folder(out: str | Path) -> Path:
    """Return the work folder of an output file (beside it, hidden)."""
    out = Path(out)
    return out.parent / f".{out.name}.batch"


class WorkFolder:
    """The part files and manifest of one batch's finished chunks."""

    def __init__(self, folder: Path, key: str, n_chunks: int) -> None:
        self.folder, self.key, self.n_chunks = folder, key, n_chunks
        self.done: set[int] = set()

    @property
    def manifest(self) -> Path:
        """The manifest file."""
        return self.folder / MANIFEST

    def part(self, index: int) -> Path:
        """Return the part file of chunk ``index``."""
        return self.folder / f"part-{index:06d}.parquet"

    def open(self) -> set[int]:
        """Create the folder, or take up the one an earlier run left; return the chunks done.

        A folder left by a batch with other inputs is emptied of its parts first.

        Raises
        ------
        OutputError
            If the folder exists but was not written by a batch.
        """
        if self.folder.exists():
            try:
                meta = json.loads(self.manifest.read_text("utf-8"))
                if meta.get("format") != FORMAT:
                    raise ValueError(meta.get("format"))
            except (OSError, ValueError, AttributeError):
                raise OutputError(f"{self.folder} exists and is not a wuling-geo batch work folder: "
                                  "move it away or choose another `out`", param="out") from None
            if meta.get("key") == self.key:
                self.done = {int(i) for i in meta.get("done", []) if self.part(int(i)).is_file()}
            else:
                log.warning("%s holds chunks of a batch with other inputs; starting afresh",
                            self.folder.name)
                for path in self.folder.glob("part-*.parquet"):
                    path.unlink()
        else:
            check_output(self.folder, folder=True)
            self.folder.mkdir()
        self._write_manifest()
        return set(self.done)

    def add(self, index: int, frame: Any) -> None:
        """Write chunk ``index``'s part, then record it in the manifest."""
        write_part(frame, self.part(index))
        self.done.add(index)
        self._write_manifest()

    def frames(self) -> list[Any]:
        """Return every chunk's rows, in chunk order."""
        return [read_part(self.part(i)) for i in range(self.n_chunks)]

    def remove(self) -> None:
        """Remove the folder (only the files a batch writes)."""
        for path in [*self.folder.glob("part-*.parquet"), self.manifest]:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # someone put other files there: leave them
            self.folder.rmdir()

    def _write_manifest(self) -> None:
        record = {"format": FORMAT, "key": self.key, "n_chunks": self.n_chunks,
                  "done": sorted(self.done)}
        with atomic_path(self.manifest) as tmp:
            tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")


@contextmanager
def dask_client(n_workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """Yield a Dask client: of a new local cluster of worker processes, or of ``scheduler``.

    Raises
    ------
    InputError
        If Dask is not installed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("batches need Dask: pip install 'wuling-geo[batch]' "
                         "(dask[distributed])") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler {scheduler} ({type(exc).__name__}): "
                             "start one with 'dask scheduler', or leave `scheduler` out for a "
                             "local cluster", param="scheduler") from None
        with client:
            yield client
        return
    n = n_workers or os.cpu_count() or 1
    with (LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                       silence_logs=logging.CRITICAL) as cluster,
          Client(cluster) as client):
        yield client


def run_batch(job: BatchJob, out: str | Path, *, n_workers: int | None = None,
              scheduler: str | None = None, client: Any = None, retries: int = RETRIES,
              on_chunk: Callable[[int, Any], None] | None = None) -> BatchReport:
    """Run ``job`` on a Dask cluster and write its result to ``out``.

    Parameters
    ----------
    job
        The batch.
    out
        ``.parquet`` (GeoParquet for catchments and access) or ``.gpkg``; a matrix writes
        ``.parquet`` or ``.csv``.
    n_workers
        Worker processes of the local cluster (default: one per core).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``) instead of a local cluster.
    client
        A ``distributed.Client`` to use instead of either.
    retries
        Times a chunk is run again after its worker failed.
    on_chunk
        Called with each chunk's index and the client once its part is written.

    Returns
    -------
    BatchReport

    Raises
    ------
    BatchError
        If a chunk keeps failing; the finished chunks stay for a rerun to resume.
    WulingGeoError
        For bad input met by a chunk (an origin off the network, …).
    """
    out = check_table_path(out, geo=job.kind != "matrix")
    check_output(out)
    work = WorkFolder(work_folder(out), job.key(), job.n_chunks)
    done = work.open()
    todo = [i for i in range(job.n_chunks) if i not in done]
    if todo:
        prepare(job)
        if client is not None:
            _compute(client, job, todo, work, retries, on_chunk)
        else:
            with dask_client(n_workers, scheduler) as own:
                _compute(own, job, todo, work, retries, on_chunk)
    merged = merge_chunks(work.frames())
    write_table(merged, out, layer=job.kind)
    work.remove()
    return BatchReport(out, job.n_chunks, len(todo), len(done), len(merged))


def _compute(client: Any, job: BatchJob, todo: list[int], work: WorkFolder, retries: int,
             on_chunk: Callable[[int, Any], None] | None) -> None:
    from distributed import as_completed

    key = f"{job.key()[:12]}-{uuid.uuid4().hex[:8]}"  # a rerun's keys never meet cancelled ones
    futures = {client.submit(run_chunk, job.task(i), key=f"wuling-batch-{key}-{i}",
                             retries=retries, pure=False): i for i in todo}
    try:
        with bar(f"batch {job.kind}", total=job.n_chunks, unit="chunk") as progress:
            progress.update(job.n_chunks - len(todo))
            for future in as_completed(futures):
                index = futures[future]
                try:
                    result = future.result()
                except Exception as exc:
                    raise BatchError(f"chunk {index} of the batch failed ({type(exc).__name__}: "
                                     f"{exc}); {len(work.done)} finished chunks are kept in "
                                     f"{work.folder}: rerun the same command to resume") from None
                if isinstance(result, ChunkError):
                    raise result.error
                work.add(index, result)
                progress.update(1)
                if on_chunk is not None:
                    on_chunk(index, client)
    finally:
        client.cancel(list(futures))

