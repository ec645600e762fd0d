"""The one table of library parameter names and the command-line flags that set them.

Library messages name parameters in backticks (`` `cell_m` ``), never flags; the command line
rewords them for its flags (``--cell``) with :func:`for_flags` before printing an error or note.
"""

from __future__ import annotations

import re

#: Library parameter name -> the flag that sets it.
FLAGS: dict[str, str] = {
    "area": "--area",
    "buffer_km": "--buffer-km",
    "cell_m": "--cell",
    "class_field": "--class-field",
    "confidence": "--confidence",
    "consolidate_m": "--consolidate-m",
    "datum": "--datum",
    "day_window": "--day",
    "dem": "--dem",
    "dwell": "--dwell",
    "end": "--end",
    "features": "--osm",
    "force": "--force",
    "gazetteer_path": "--gazetteer",
    "max_drive_per_day": "--max-drive",
    "name_field": "--name-field",
    "offline": "--offline",
    "oneway_field": "--oneway-field",
    "online": "--online",
    "optional": "--optional",
    "origins": "--from",
    "out": "--out",
    "overnight": "--overnight",
    "provider": "--provider",
    "replace": "--replace",
    "scheduler": "--scheduler",
    "services_path": "--services",
    "snap_m": "--snap-m",
    "turn_costs": "--turn-costs",
    "source": "--source",
    "speed_field": "--speed-field",
    "speed_file": "--profile-file",
    "truck_height_m": "--truck-height",
    "truck_length_m": "--truck-length",
    "truck_weight_t": "--truck-weight",
    "truck_width_m": "--truck-width",
    "visits": "--visit",
}

_WORD = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


def for_flags(text: str) -> str:
    """Return ``text`` with each backticked parameter name of :data:`FLAGS` replaced by its flag.

    A backticked name without a flag keeps its backticks. An error's ``param`` lists the names
    its message uses; this rewords them (and those of messages built by helpers that cannot
    pass ``param``, such as offline hints) wherever they appear in backticks.
    """
    def swap(match: re.Match[str]) -> str:
        return FLAGS.get(match.group(1), match.group(0))

    return _WORD.sub(swap, text)
