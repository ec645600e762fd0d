"""TOML files checked by pydantic models: errors name the file, the line and the field."""

import re

import pytest

from wuling_geo._util import tomlschema
from wuling_geo._util.errors import GazetteerError, InputError
from wuling_geo.analysis.itinerary import stops as itinerary_stops
from wuling_geo.data.gazetteer import parse_gazetteer
from wuling_geo.data.services import parse_services
from wuling_geo.network.speed.profile import default_profile_path, load_profile

TEXT = '''# a comment
name = "x"
note = """a = 1
[[place]]
"""

[[place]]
id = "a"
position = { lon = 1, lat = 2 }

[[place]]
id = "b"
[place.position]
lon = 3
[[place.facts]]
key = "k"
[[place.facts]]
"quoted key" = 1
'''


def test_key_lines_follow_tables_arrays_and_skip_strings():
    lines = tomlschema.key_lines(TEXT)
    assert lines[("name",)] == 2
    assert ("place", 2) not in lines  # the [[place]] inside the string is no header
    assert lines[("place", 0)] == 7 and lines[("place", 0, "id")] == 8
    assert lines[("place", 1, "position")] == 13 and lines[("place", 1, "position", "lon")] == 14
    assert lines[("place", 1, "facts", 0, "key")] == 16
    assert lines[("place", 1, "facts", 1, "quoted key")] == 18
    # a key of an inline table takes the line of its table's key
    assert tomlschema.line_of(lines, ("place", 0, "position", "lat")) == 9


def _line(text, needle):
    return next(i + 1 for i, row in enumerate(text.splitlines()) if needle in row)


GAZ = '''[[place]]
id = "a"
name_zh = "甲"
name_en = "A"
category = "scenic"
subtype = "x"

[[place]]
id = "b"
name_zh = "乙"
name_en = "B"
category = "civic"
subtype = "x"
[place.position]
lon = 108.7
lat = 29.5
datum = "wgs84"
source = "s"
confidence = "high"
[[place.facts]]
key = "k"
value = 1
source = "s"
[place.visit]
opening_hours = ["08:00-12:00"]
'''


@pytest.mark.parametrize(("old", "new", "needle", "field", "problem"), [
    ('lat = 29.5', 'lat = "north"', "lat =", "position.lat", "must be a number, not 'north'"),
    ('confidence = "high"', 'confidence = "sure"', "confidence", "position.confidence",
     "'sure' is not one of high, medium-high"),
    ('key = "k"', 'key = "k"\ncolour = 1', "colour", "facts.colour",
     "unknown field (known: confidence, key, source, value)"),
    ('"08:00-12:00"', '"8 to 12"', "opening_hours", "visit.opening_hours",
     "'8 to 12' is not HH:MM-HH:MM"),
    ('category = "civic"', 'category = 3', 'category = 3', "category", "is not one of"),
    ('id = "b"', 'id = "B b"', 'id = "B b"', "id", "must be lower-case"),
])
def test_gazetteer_error_names_file_line_and_field(old, new, needle, field, problem):
    text = GAZ.replace(old, new, 1)
    with pytest.raises(GazetteerError) as info:
        parse_gazetteer(text, "g.toml")
    message = str(info.value)
    assert message.startswith(f"g.toml:{_line(text, needle)}: field '{field}': ")
    assert problem in message and "\n" not in message


def test_gazetteer_missing_field_points_at_its_entry():
    text = GAZ.replace('name_en = "B"\n', "")
    header = _line(text, 'id = "b"') - 1
    with pytest.raises(GazetteerError, match=rf"^g\.toml:{header}: field 'name_en': is missing$"):
        parse_gazetteer(text, "g.toml")


SERVICES = '''[[stop]]
id = "a"
lon = 108.7
lat = 29.4

[[stop]]
id = "b"
lon = 108.8
lat = 29.5

[[service]]
id = "s"
mode = "rail"
from = "a"
to = "b"
in_vehicle_minutes = 10
boarding_minutes = 5
frequency_per_day = 3
'''


@pytest.mark.parametrize(("old", "new", "needle", "what", "field", "problem"), [
    ("lat = 29.5", "lat = 95", "lat = 95", "stop 'b'", "lat", "must be degrees in [-90, 90]"),
    ("boarding_minutes = 5", "boarding_minutes = -5", "boarding", "service 's'",
     "boarding_minutes", "must be ≥ 0, not -5"),
    ('mode = "rail"', 'mode = "rail"\nfastest = true', "fastest", "service 's'", "fastest",
     "is unknown (known: boarding_minutes, both_ways, confidence, frequency_per_day, from, id"),
    ('to = "b"', 'to = 2', "to = 2", "service 's'", "to", "must be non-empty text, not 2"),
])
def test_services_error_names_file_line_entry_and_field(old, new, needle, what, field, problem):
    text = SERVICES.replace(old, new, 1)
    with pytest.raises(InputError) as info:
        parse_services(text, "svc.toml")
    message = str(info.value)
    assert message.startswith(f"svc.toml:{_line(text, needle)}: {what}: field '{field}' ")
    assert problem in message and "\n" not in message


def test_speed_profile_error_names_file_line_and_key(tmp_path):
    text = default_profile_path().read_text(encoding="utf-8")
    text = text.replace("rolling_resistance = { value = 0.01", 'rolling_resistance = { value = "low"')
    path = tmp_path / "speeds.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_profile(path)
    line = _line(text, "rolling_resistance =")
    assert str(info.value).startswith(
        f"speed profile {path}:{line}: grade.rolling_resistance.value must be a number, not 'low'")


def test_planning_error_names_file_line_and_key(tmp_path):
    text = "[dwell_minutes]\ncoordinates = 60\n\n[dwell_minutes.by_grade]\n\"5A\" = -3\n"
    path = tmp_path / "planning.toml"
    path.write_text(text, encoding="utf-8")
    itinerary_stops._load_planning.cache_clear()
    with pytest.raises(InputError, match=re.escape(
            f"planning defaults {path}:5: dwell_minutes.by_grade.5A must be a whole number of "
            "minutes ≥ 0")):
        itinerary_stops._load_planning(str(path))
