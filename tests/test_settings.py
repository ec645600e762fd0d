"""Settings: a validated options object, read lazily from the environment (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wuling_geo import settings
from wuling_geo._util.errors import InputError


@pytest.mark.parametrize(("name", "value"), [
    ("workers", -1), ("workers", 0), ("workers", 1.5), ("connect_timeout", "abc"),
    ("connect_timeout", 0), ("read_timeout", float("nan")), ("quiet", "maybe"),
    ("catchment_access_m", -5), ("cache_dir", 3), ("provider_rates", {"amap": -1}),
])
def test_a_bad_value_fails_where_it_is_set_naming_the_setting(name, value):
    before = getattr(settings, name)
    with pytest.raises(InputError, match=rf"^setting {name}=.* is not valid: ") as caught:
        setattr(settings, name, value)
    assert "\n" not in str(caught.value)
    assert getattr(settings, name) == before


def test_a_misspelt_setting_is_an_error_not_a_silent_new_attribute():
    with pytest.raises(InputError, match="there is no setting 'worker'"):
        settings.worker = 3  # type: ignore[attr-defined]


def test_good_values_are_accepted_and_monkeypatch_restores_them(monkeypatch):
    monkeypatch.setattr(settings, "workers", 3)
    monkeypatch.setattr(settings, "connect_timeout", "2.5")  # coerced like a config file value
    assert settings.workers == 3 and settings.connect_timeout == 2.5
    monkeypatch.undo()
    assert settings.connect_timeout == 5.0


def test_derived_paths_follow_the_folders_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "geodata_dir", tmp_path / "data")
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    assert settings.gazetteer_path() == tmp_path / "data" / "gazetteer.toml"
    assert settings.boundary_path().parent == tmp_path / "data"
    assert settings.network_dir() == tmp_path / "cache" / "network"
    assert settings.osm_features_path().is_relative_to(tmp_path / "cache")


def test_environment_variables_are_read_when_used_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "cache_dir", None)  # follow the environment
    monkeypatch.setenv("WULING_GEO_CACHE", str(tmp_path / "c1"))
    assert settings.network_dir() == tmp_path / "c1" / "network"
    monkeypatch.setenv("WULING_GEO_DATA", str(tmp_path / "d"))
    assert settings.gazetteer_path() == tmp_path / "d" / "gazetteer.toml"
    monkeypatch.setenv("WULING_GEO_AMAP_URL", "http://127.0.0.1:9")
    assert settings.amap_url == "http://127.0.0.1:9"
    settings.cache_dir = tmp_path / "code"  # code wins over the environment
    assert settings.cache_dir == tmp_path / "code"


def test_undoing_a_monkeypatch_leaves_the_setting_following_the_environment(monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(settings, "connect_timeout", 1.0)
    monkeypatch.setenv("WULING_GEO_CONNECT_TIMEOUT", "7")
    assert settings.connect_timeout == 7.0  # not pinned to the 5.0 read when patching
    monkeypatch.setenv("WULING_GEO_CONNECT_TIMEOUT", "abc")
    with pytest.raises(InputError, match="WULING_GEO_CONNECT_TIMEOUT='abc'"):
        _ = settings.connect_timeout


def test_type_annotations_match_the_options_and_describe_lists_them():
    module_level = {k for k in settings.__annotations__ if k.islower() and not k.startswith("_")}
    assert module_level == set(settings.Options.model_fields)
    text = settings.describe()
    assert len(text.splitlines()) == len(settings.Options.model_fields)
    assert "cache_dir = " in text and "[env WULING_GEO_CACHE]" in text
    assert isinstance(settings.geodata_dir, Path)


# ---------------------------------------------------------------- logging (issue 12)

def test_verbose_prints_debug_lines_and_quiet_hides_information(capsys, network_dir):
    from wuling_geo.cli import run

    argv = ["catchments", "--network", str(network_dir), "--from", "黔江站", "--minutes", "5",
            "--engine", "exact"]  # the exact engine's cell cache says what it did
    assert run(["-v", *argv]) == 0
    err = capsys.readouterr().err
    assert "[cli] catchments of 1 origins: " in err and "cell cache " in err
    assert run(argv) == 0
    assert "[cli]" not in capsys.readouterr().err


def test_the_library_logs_instead_of_printing(tmp_path, capsys, caplog):
    import logging

    from wuling_geo.network.area import parse_area

    area = tmp_path / "area.geojson"
    area.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"properties": {}, "geometry": {"type": "Polygon", "coordinates": '
                    '[[[108.7, 29.5], [108.8, 29.6], [108.8, 29.5], [108.7, 29.6], '
                    '[108.7, 29.5]]]}}]}')  # a self-intersecting bow tie
    with caplog.at_level(logging.INFO, logger="wuling_geo"):
        parse_area(str(area), 0)
    assert "repaired 1 invalid polygons" in caplog.text
    assert capsys.readouterr().err == ""  # nothing printed by the library itself
