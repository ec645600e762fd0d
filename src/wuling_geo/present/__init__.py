"""The presentation layer: web maps (:mod:`.maps`) and file exports (:mod:`.exports`).

It turns analysis results into pages and files; every ``write_*`` lives here. May import
:mod:`wuling_geo.analysis` and below.
"""
