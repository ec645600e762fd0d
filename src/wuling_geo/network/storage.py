"""Integrity and freshness of cached network folders.

A network folder holds ``nodes.parquet``, ``edges.parquet`` (and ``railways.parquet``) plus
``meta.json`` with a SHA-256 checksum of every table and a fingerprint of the inputs it was
built from (input file size, mtime and a hash of its head, speed profile, DEM, options).
A folder whose checksums fail is never used; one whose fingerprint differs is rebuilt.
The named OSM features of the source (``features.parquet``) are stored in the folder too, so
the geocoder reads the features of the network in use.

A folder is only ever replaced by a new network when wuling-geo wrote it
(:func:`is_network_folder`); files a user put in it are kept (:data:`OWNER`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from wuling_geo._util.errors import NetworkError
from wuling_geo._util.files import Owner

#: Version of the folder layout; part of every fingerprint, so a new layout rebuilds.
#: 3: the named OSM features are stored in the folder. 4: turn restrictions and barriers.
#: 5: truck limits on the edges (maxheight, maxwidth, maxlength, maxweight, truck_allowed).
#: 6: rounded measures stored as float32 and ``highway`` as a categorical; a road's two
#: directions measured once, so they have one length to the bit.
CACHE_FORMAT = 6
META = "meta.json"
#: Everything wuling-geo writes into a network folder.
NETWORK_FILES = frozenset({META, "nodes.parquet", "edges.parquet", "railways.parquet",
                           "features.parquet", "restrictions.parquet", "barriers.parquet"})
HEAD_BYTES = 1 << 20

Status = Literal["missing", "corrupt", "stale", "current"]


def sha256_file(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_fingerprint(path: str | Path) -> dict[str, Any]:
    """Return name, size, mtime and a hash of the first MiB of a file."""
    path = Path(path)
    stat = path.stat()
    with path.open("rb") as fh:
        head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
    return {"name": path.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head": head}


def fingerprint(inputs: dict[str, Any]) -> str:
    """Return a stable digest of a JSON-able description of a build's inputs."""
    text = json.dumps({"format": CACHE_FORMAT, **inputs}, sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_meta(folder: str | Path) -> dict[str, Any] | None:
    """Return a folder's ``meta.json`` or ``None`` when it is absent, unreadable or not an object."""
    path = Path(folder) / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def is_network_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is a road network folder written by wuling-geo.

    It is when its ``meta.json`` carries the keys wuling-geo writes (``format``,
    ``checksums`` or ``fingerprint``), or — a damaged one — when it holds ``edges.parquet``
    and nothing but the files of a network folder.
    """
    folder = Path(folder)
    meta = read_meta(folder)
    if isinstance(meta, dict) and {"format", "checksums", "fingerprint"} & meta.keys():
        return True
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return "edges.parquet" in names and names <= NETWORK_FILES


#: How a network folder is recognised when it is to be replaced (see :mod:`wuling_geo._util.files`).
OWNER = Owner("road network folder", is_network_folder, NETWORK_FILES)


def verify(folder: str | Path, meta: dict[str, Any]) -> None:
    """Raise :class:`NetworkError` unless every table matches its recorded checksum."""
    folder = Path(folder)
    checksums = meta.get("checksums")
    if not isinstance(checksums, dict) or "edges.parquet" not in checksums:
        raise NetworkError(f"road network at {folder} has no checksums (incomplete or from an "
                           "older version): rebuild it with 'wuling-geo network import' or "
                           "'network fetch'")
    for name, digest in checksums.items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != digest:
            raise NetworkError(f"road network at {folder} is corrupt: {name} does not match its "
                               "checksum; rebuild it with 'wuling-geo network import' or "
                               "'network fetch' (with `force`)", param="force")


def status(folder: str | Path, expected: str | None = None) -> Status:
    """Return whether a cached network is missing, corrupt, stale or current.

    Parameters
    ----------
    folder
        The network folder.
    expected
        The fingerprint of the inputs at hand; ``None`` skips the freshness check.
    """
    folder = Path(folder)
    if not (folder / "edges.parquet").exists():
        return "missing"
    meta = read_meta(folder)
    if meta is None:
        return "corrupt"
    try:
        verify(folder, meta)
    except NetworkError:
        return "corrupt"
    if expected is not None and meta.get("fingerprint") != expected:
        return "stale"
    return "current"
