"""Commands for catchments (filled in by its issue)."""

from __future__ import annotations

COMMANDS: list = []
