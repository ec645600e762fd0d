"""HTML pages from Jinja2 templates (package data in ``templates/``), always autoescaped.

Every value a template shows is escaped by Jinja2 itself, so names and messages from data
stay text; pages built here need no hand-written ``html.escape`` calls.
"""

from __future__ import annotations

import functools

import jinja2


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("wuling_geo.present", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def render_page(name: str, **context: object) -> str:
    """Return the template ``name`` (e.g. ``"itinerary.html"``) rendered with ``context``."""
    return _environment().get_template(name).render(**context)


__all__ = ["render_page"]
