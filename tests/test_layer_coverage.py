"""Per-layer coverage: how many places of each layer resolved, and by which method (issue 13)."""

from __future__ import annotations

from collections import Counter

from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import coverage, coverage_line, layer_frames
from wuling_geo.present.maps.webmap import prepare_map

from .helpers import SMALL_GAZETTEER, cli


def test_coverage_line_counts_resolved_of_all_and_names_methods():
    assert coverage_line(Counter({"gazetteer": 1, "osm": 2, "unresolved": 9})) == \
        "3/12 (gazetteer 1, osm 2)"
    assert coverage_line(Counter({"unresolved": 6})) == "0/6"


def test_coverage_of_the_small_gazetteer_matches_its_positions():
    g = Geocoder(load_gazetteer(SMALL_GAZETTEER), features=None)
    resolutions = g.resolve_all()
    got = coverage(layer_frames(resolutions))
    assert "boundary" not in got
    for layer, counts in got.items():
        mine = [r for r in resolutions if r.place.category == layer]
        assert sum(counts.values()) == len(mine)
        assert counts["unresolved"] == sum(not r.resolved for r in mine)


def test_layers_and_the_shipped_map_report_every_civic_seat(capsys, tmp_path):
    code, out, _ = cli(capsys, "layers", "--out", str(tmp_path / "out"))
    assert code == 0 and "resolved per layer: " in out and "civic 31/31 (gazetteer 31)" in out
    frames = layer_frames(Geocoder(features=None).resolve_all())
    page = prepare_map(layers=frames)  # the Chinese interface names the method in Chinese
    civic = next(c for c in page.coverage if c["text"].startswith("31/31"))
    assert civic["layer"] == "街道与乡镇" and civic["text"] == "31/31 (地名库 31)"
    english = prepare_map(layers=frames, lang="en").coverage
    assert any(c["text"] == "31/31 (gazetteer 31)" for c in english)


def test_every_locating_method_has_a_chinese_name():
    from wuling_geo.data.geocode.geocoder import METHODS
    from wuling_geo.present.maps.i18n import method_label

    for method in METHODS:
        if method != "unresolved":
            assert method_label(method, "zh") != method or method in {"osm", "nominatim"}, method
