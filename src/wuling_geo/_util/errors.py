"""Named error types. Each carries a one-line message that says what was wrong and what to do.

The command-line interface prints the message of any :class:`WulingGeoError` and exits
with status 2; any other exception is a bug.
"""

from __future__ import annotations


class WulingGeoError(Exception):
    """Base of every error caused by input, data or environment (not by a bug).

    Messages speak of library parameters (``cell_m``), never of command-line flags. ``param``
    names the parameter(s) a message mentions, so the command line can reword them for its
    flags (``cell_m`` -> ``--cell``) through its one table of parameters and flags.

    Parameters
    ----------
    *args
        The message (one line: what was wrong and what to do).
    param
        The library parameter name, or names, the message mentions word for word.
    """

    #: Library parameter names the message mentions (empty: none).
    param: tuple[str, ...] = ()

    def __init__(self, *args: object, param: str | tuple[str, ...] | None = None) -> None:
        super().__init__(*args)
        if param:
            self.param = (param,) if isinstance(param, str) else tuple(param)


class InputError(WulingGeoError, ValueError):
    """A value given by the user is malformed or out of range."""


class DatumError(InputError):
    """An unknown datum name, or a coordinate that is not valid in the datum given."""


class UnknownPlaceError(InputError, LookupError):
    """A name or id that matches nothing in the gazetteer."""


class UnresolvedPlaceError(WulingGeoError, LookupError):
    """A known place whose position could not be found by any geocoding step."""


class OutsideDistrictError(InputError):
    """A coordinate outside Qianjiang District (or its margin), or with lat/lon swapped."""


class GazetteerError(WulingGeoError):
    """The gazetteer file is malformed; the message names the file, line and field."""


class OSMDataError(WulingGeoError):
    """An OSM file is missing, empty, truncated or corrupt, or holds no usable data."""


class NetworkError(WulingGeoError):
    """A road network is missing, stale, corrupt or lacks what an analysis needs."""


class OutputError(InputError, OSError):
    """An output that cannot be written, or whose target holds files wuling-geo did not write."""


class OffNetworkError(InputError, NetworkError):
    """A place farther than the snapping distance from every road, or with lat/lon swapped."""


class OfflineError(WulingGeoError, ConnectionError):
    """An online service cannot be reached; the message says how to work offline."""


class InfeasibleError(WulingGeoError):
    """Constraints that no solution can meet; the message says which one and by how much."""


class ProviderError(WulingGeoError):
    """An online geocoding provider answered with an error (after retries)."""


class ProviderKeyError(ProviderError):
    """A provider key is missing, invalid, expired or not allowed for the service asked."""


class QuotaError(ProviderError):
    """A provider's daily quota or request rate is exhausted (after backing off)."""


class NoMatchError(ProviderError, LookupError):
    """A provider found nothing acceptable for a query inside the district."""


def clip(text: object, limit: int = 60) -> str:
    """Return ``text`` as a string of at most ``limit`` characters (``…`` marks a cut).

    Use it on user input quoted in a message, so a 10,000-character argument is not echoed
    whole.
    """
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"
