"""Progress bars that respect :data:`wuling_geo.settings.quiet`, drawn on a terminal only.

When stderr is a file or a pipe (a log, a CI job, a test), bars would only litter it with
carriage returns: they are switched off.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

from wuling_geo import settings

T = TypeVar("T")


def _hidden() -> bool:
    """Whether bars are off: quiet mode, or stderr is not a terminal."""
    if settings.quiet:
        return True
    try:
        return not sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return True


def progress(iterable: Iterable[T], desc: str, total: int | None = None,
             unit: str = "it") -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar on stderr, hidden in quiet mode."""
    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr,
                     disable=_hidden(), leave=False, dynamic_ncols=True))


def bar(desc: str, total: int | None = None, unit: str = "it") -> tqdm:
    """Return a manual progress bar (use as a context manager and call ``update``)."""
    return tqdm(desc=desc, total=total, unit=unit, file=sys.stderr, disable=_hidden(),
                leave=False, dynamic_ncols=True)


def info(message: str) -> None:
    """Print an informational line on stderr unless quiet."""
    if not settings.quiet:
        print(message, file=sys.stderr)
