"""Safe file output: check every target before the work, write to a temporary beside it, rename.

One mechanism serves every command that writes:

- :func:`check_output` runs before any computation and refuses, in one line, a target that
  cannot be written (missing or read-only folder, a path under a file, a folder where a file
  is wanted) or that would replace what wuling-geo did not write.
- Two helpers cover every writer. :func:`atomic_path` writes one file (text, CSV, Parquet, a
  GeoPackage of several layers: the temporary name keeps the real suffix, which GDAL needs);
  :func:`atomic_dir` writes a folder — either replacing a folder the tool wrote itself
  (recognised by an :class:`Owner`), or adding its files to a folder (``merge``). A failure
  part-way leaves the target as it was, never half-written, and an :class:`OSError` while
  writing becomes a one-line :class:`OutputError`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wuling_geo._util.errors import OutputError, WulingGeoError


@dataclass(frozen=True)
class Owner:
    """How to recognise a folder that wuling-geo wrote, and which of its entries are its own.

    Attributes
    ----------
    label
        What such a folder is, for messages ("road network folder").
    recognise
        True for a folder the tool wrote (e.g. by its metadata file).
    names
        Entries the tool writes there. Other entries are the user's: a replacement keeps them.
    """

    label: str
    recognise: Callable[[Path], bool]
    names: frozenset[str]


def _is_writable_folder(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (asks the OS, then tries one)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _is_empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError:
        return False


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(path.anchor or "/")


def _missing_folder(target: Path) -> Path:
    """Raise for a target whose folder is missing; return the ancestor when it is a file."""
    ancestor = _existing_ancestor(target)
    if ancestor.is_dir():
        raise OutputError(f"output folder {target.parent} does not exist: create it first or "
                          "choose another `out`", param="out")
    return ancestor


def check_output(path: str | os.PathLike[str], *, folder: bool = False,
                 owner: Owner | None = None) -> Path:
    """Check, before any work, that ``path`` can be written; return it resolved.

    Parameters
    ----------
    path
        The output file, or folder (``folder=True``).
    folder
        Whether ``path`` is a folder. The folder holding a file, or holding a folder that is
        merged into, must exist.
    owner
        For a folder that is replaced as a whole: how to recognise one the tool wrote. Any
        other non-empty folder is refused, as are the current folder and those containing it.
        Missing parents of such a folder (a cache) are created when it is written.

    Raises
    ------
    OutputError
        With a one-line message naming the target and what to do.
    """
    if not os.fspath(path).strip():
        raise OutputError("the output location is empty: give a file or folder name")
    given = Path(path)
    target = given.resolve()
    if folder:
        if target.exists() and not target.is_dir():
            raise OutputError(f"{given} is a file, not a folder: choose a folder for the output")
        if owner is not None:
            if Path.cwd().is_relative_to(target):
                raise OutputError(f"cannot replace {given} (the current folder or one containing "
                                  f"it) with a {owner.label}: choose a new folder, e.g. `out` "
                                  "network", param="out")
            if target.is_dir() and not _is_empty(target) and not owner.recognise(target):
                raise OutputError(f"{given} is not empty and is not a {owner.label} written by "
                                  "wuling-geo; it is left alone: choose a new or empty folder")
        if target.is_dir() and owner is None:
            where = target  # files are added inside it
        elif owner is not None or target.parent.is_dir():
            where = _existing_ancestor(target)
        else:
            where = _missing_folder(target)
    else:
        if target.is_dir():
            raise OutputError(f"{given} is a folder: give a file name for the output")
        where = target.parent if target.parent.is_dir() else _missing_folder(target)
    if not where.is_dir():
        raise OutputError(f"cannot write {given}: {where} is a file, not a folder; choose "
                          "another location")
    if not _is_writable_folder(where):
        raise OutputError(f"cannot write {given}: the folder {where} is not writable; choose "
                          "another location or fix its permissions")
    return target


@contextlib.contextmanager
def _as_output_error(target: Path) -> Iterator[None]:
    """Turn an :class:`OSError` raised while writing ``target`` into a one-line error."""
    try:
        yield
    except WulingGeoError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OutputError(f"cannot write {target}: {reason}; nothing was written. Check the "
                          "folder's permissions and free space, or choose another location") \
            from None


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
        A not-yet-existing temporary path ending in the same suffix (GDAL picks its driver by
        it), in the same folder.

    Raises
    ------
    OutputError
        If the target cannot be written (checked first), or writing fails.
    """
    target = Path(path)
    check_output(target)
    with _as_output_error(target):
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
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


def _new_folder(parent: Path, prefix: str) -> Path:
    """Create a fresh folder in ``parent`` with a normal folder's mode (0o777 less the umask).

    ``tempfile.mkdtemp`` makes an owner-only folder, and reading the umask to widen it would
    mean setting it, a process-wide side effect; ``os.mkdir`` applies the umask by itself.
    """
    for _ in range(100):
        folder = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"no free temporary folder name in {parent}")  # pragma: no cover


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str], *, owner: Owner | None = None,
               merge: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success put its files at ``path``, all or nothing.

    Parameters
    ----------
    path
        The output folder; missing parents are created.
    owner
        Replace mode: ``path`` is swapped for the new folder as a whole, which it may only be
        when it is absent, empty or recognised by ``owner``; entries of the old folder that
        are not among ``owner.names`` (the user's own files) are carried over.
    merge
        Merge mode: the files are added to ``path`` (created if absent), replacing files of
        the same names and leaving the others alone.

    Raises
    ------
    OutputError
        If the target may not or cannot be written (checked first), or writing fails.
    """
    if merge == (owner is not None):
        raise TypeError("atomic_dir needs either an owner (replace) or merge=True")
    target = check_output(path, folder=True, owner=owner)
    with _as_output_error(target):
        if merge and target.is_dir():
            stage = Path(tempfile.mkdtemp(prefix=".wuling-geo-", dir=target))
            try:
                yield stage
                for item in sorted(stage.iterdir()):
                    os.replace(item, target / item.name)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = _new_folder(target.parent, f".{target.name}.")
        try:
            yield stage
            _swap(stage, target, owner)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)


def _swap(stage: Path, target: Path, owner: Owner | None) -> None:
    """Put ``stage`` in place of ``target``, keeping the user's entries of the old folder."""
    if not target.exists():
        os.replace(stage, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    os.replace(target, old)  # an (empty) folder is replaced by rename
    os.replace(stage, target)
    own = owner.names if owner is not None else frozenset()
    for item in old.iterdir():
        if item.name not in own and not (target / item.name).exists():
            os.replace(item, target / item.name)
    shutil.rmtree(old, ignore_errors=True)


def check_cache() -> Path:
    """Check, before any work, that the cache folder (env ``WULING_GEO_CACHE``) is writable.

    Raises
    ------
    OutputError
        Naming the folder and the variable.
    """
    from wuling_geo import settings

    try:
        return check_output(settings.cache_dir, folder=True)
    except OutputError as exc:
        raise OutputError(f"the cache folder {settings.cache_dir} is unusable ({exc}): point "
                          "WULING_GEO_CACHE at a writable folder") from None

