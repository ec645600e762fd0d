import pytest

from wuling_geo._util.errors import GazetteerError, UnknownPlaceError
from wuling_geo.data.gazetteer import load_gazetteer, parse_gazetteer

from .helpers import SMALL_GAZETTEER


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer(SMALL_GAZETTEER)


def test_fixture_parts_positions_and_datum(gaz):
    assert [p.id for p in gaz.parts_of("zhuoshui-scenic-area")] == ["zhuoshui-ancient-town",
                                                                     "puhua-underground-river"]
    # Stored in WGS-84: the GCJ-02 濯水 point converted (FACTS.md gives WGS-84 29.30224, 108.77427).
    z = gaz.get("zhuoshui-scenic-area").position
    assert z.datum == "gcj02" and (z.lon, z.lat) == pytest.approx((108.77427, 29.30224), abs=2e-5)
    a = gaz.get("wulingshan-airport").position
    assert (a.lon, a.lat, a.datum) == (108.83111, 29.51333, "wgs84")
    assert gaz.get("xinhua-township").subtype == "township" and gaz.get("xinhua-township").position is None
    assert not gaz.get("unconfirmed-place").identified
    assert [p.id for p in gaz.by_category("logistics")] == ["cold-chain-centre"]


@pytest.mark.parametrize(("query", "expected"), [
    ("濯水景区", "zhuoshui-scenic-area"), ("Zhuoshui Scenic Area", "zhuoshui-scenic-area"),
    ("zhuoshui jingqu", "zhuoshui-scenic-area"), ("JIQ", "wulingshan-airport"),
    ("zuqj", "wulingshan-airport"), ("武陵山机场", "wulingshan-airport"),
    ("黔江站", "qianjiang-station"), ("芭拉胡", "city-canyon"), ("Shénguī Xiá", "shengui-gorge"),
    ("ＪＩＱ", "wulingshan-airport"), ("xiaonanhai", "xiaonanhai"),
])
def test_find_by_name_alias_pinyin_id(gaz, query, expected):
    assert gaz.find(query).id == expected


def test_unknown_name_lists_closest(gaz):
    with pytest.raises(UnknownPlaceError, match="unknown place 'Xiaonanhay'.*closest: .*Xiaonanhai"):
        gaz.find("Xiaonanhay")


def test_ambiguous_name_lists_ids():
    text = SMALL_GAZETTEER.read_text(encoding="utf-8") + '\n[[place]]\nid = "zz"\nname_zh = "黔江站"\n' \
        'name_en = "Other"\ncategory = "civic"\nsubtype = "x"\n'
    gaz = parse_gazetteer(text)
    with pytest.raises(UnknownPlaceError, match="names several places .*qianjiang-station, zz"):
        gaz.find("黔江站")


FIRST_CATEGORY_LINE = next(
    i + 1 for i, s in enumerate(SMALL_GAZETTEER.read_text(encoding="utf-8").splitlines())
    if s == 'category = "scenic"')


def _bad(text_edit):
    text = SMALL_GAZETTEER.read_text(encoding="utf-8")
    return text_edit(text)


@pytest.mark.parametrize(("edit", "pattern"), [
    (lambda t: t.replace('subtype = "cave_river"', 'subtype = "cave_river"\ncolour = "red"'),
     r"gazetteer.toml:\d+: field 'colour': unknown field"),
    (lambda t: t.replace('category = "scenic"', 'category = "scenc"', 1),
     rf"gazetteer.toml:{FIRST_CATEGORY_LINE}: field 'category': 'scenc' is not one of"),
    (lambda t: t.replace("lat = 29.51333", 'lat = "north"'),
     r"gazetteer.toml:\d+: field 'position.lat': must be a number"),
    (lambda t: t.replace('datum = "wgs84"', 'datum = "utm50"', 1),
     r"field 'position.datum': unknown datum 'utm50'"),
    (lambda t: t.replace('id = "alice-manor"', 'id = "xiaonanhai"'),
     r"field 'id': duplicate id 'xiaonanhai' \(first at line \d+\)"),
    (lambda t: t.replace('part_of = "zhuoshui-scenic-area"', 'part_of = "nowhere"', 1),
     r"field 'part_of': 'nowhere' is not an id"),
    (lambda t: t + "\n[[place]]\nid = \"x\"\n", r"field 'name_zh': is missing"),
    (lambda t: t + "\nbroken = [\n", r"gazetteer.toml:\d+: TOML syntax"),
    (lambda t: t.replace('grade = "5A"', 'grade = "5AAA"'), r"field 'grade': '5AAA' is not one of"),
    (lambda t: "", r"field 'place': no \[\[place\]\] entries"),
])
def test_malformed_gazetteer_names_file_line_and_field(edit, pattern):
    with pytest.raises(GazetteerError, match=pattern):
        parse_gazetteer(_bad(edit), SMALL_GAZETTEER.parent / "gazetteer.toml")


def test_error_line_points_at_the_field():
    text = _bad(lambda t: t.replace("lat = 29.51333", 'lat = "north"'))
    line = next(i + 1 for i, s in enumerate(text.splitlines()) if s == 'lat = "north"')
    with pytest.raises(GazetteerError, match=rf":{line}: field 'position.lat'"):
        parse_gazetteer(text, "g.toml")


def test_missing_file(tmp_path):
    with pytest.raises(GazetteerError, match="gazetteer file not found"):
        load_gazetteer(tmp_path / "none.toml")
