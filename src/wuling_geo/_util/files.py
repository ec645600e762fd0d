"""Atomic file output: write to a temporary file or folder beside the target, then rename.

A failure part-way leaves the target as it was (absent or old), never half-written. Two
helpers cover every writer: :func:`atomic_path` for one file (text, CSV, Parquet, a
GeoPackage of several layers: the temporary name keeps the real suffix, which GDAL needs) and
:func:`atomic_dir` for a folder, swapped whole or, with ``merge=True``, its files moved into
an existing folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from wuling_geo._util.errors import InputError


def check_output_folder(path: Path) -> None:
    """Raise :class:`InputError` if the folder that should hold ``path`` does not exist."""
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        msg = f"output folder {parent} does not exist: create it first or choose another --out"
        raise InputError(msg)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` if the block succeeds.

    Parameters
    ----------
    path
        The final file. Its folder must exist.

    Yields
    ------
    Path
        A not-yet-existing temporary path in the same folder, ending in the same suffix
        (drivers that choose a format by the suffix, as GDAL does, see the real one).
    """
    target = Path(path)
    check_output_folder(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.tmp-", suffix=target.suffix,
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str], merge: bool = False) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; put its contents in place on success.

    Parameters
    ----------
    path
        The final folder; its parent is created if missing.
    merge
        If ``path`` exists: ``False`` replaces it whole (files not written this time go);
        ``True`` moves each written file into it, replacing files of the same names and
        leaving the others. A missing ``path`` is swapped in whole either way.

    Yields
    ------
    Path
        An empty folder with a normal folder's permissions.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it owner-only; give it a normal folder's mode
    try:
        yield tmp
        if merge and target.is_dir():
            for item in sorted(tmp.iterdir()):
                os.replace(item, target / item.name)
            return
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
