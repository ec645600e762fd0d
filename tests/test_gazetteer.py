from pathlib import Path

import pytest

from wuling_geo import settings
from wuling_geo._util.errors import GazetteerError, UnknownPlaceError
from wuling_geo.data.gazetteer import CATEGORIES, load_gazetteer, parse_gazetteer

SHIPPED = Path(settings.geodata_dir) / "gazetteer.toml"


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer(SHIPPED)


def test_every_place_the_mission_names_is_listed(gaz):
    names = {p.name_zh for p in gaz} | {a for p in gaz for a in p.aliases}
    wanted = ["濯水景区", "濯水古镇", "蒲花暗河", "小南海景区", "土家十三寨", "环小南海十三寨", "神龟峡",
              "城市峡谷", "城市大峡谷", "芭拉胡", "爱莉丝庄园", "白垩纪恐龙遗址公园",
              "沿阿蓬江旅游风景道", "水坪老街", "黔江武陵山机场", "黔江站", "渝怀铁路", "黔张常铁路",
              "渝厦高铁", "黔江高新区", "正阳工业园区", "智慧物流园区", "冷链物流中心",
              "武陵山现代粮食物流中心", "渝东南成品油储备中心", "450万吨铁路货场", "保税仓",
              "三磊玻纤", "京宏源铝业", "铝晟新材料", "科瑞南海制药", "黔江区人民政府驻地"]
    assert [w for w in wanted if w not in names] == []
    towns = {p.name_zh for p in gaz if p.subtype in {"town", "subdistrict"}}
    assert len(towns) == 24  # 6 subdistricts + 18 towns (FACTS.md)
    assert {"城西街道", "阿蓬江镇", "太极镇", "邻鄂镇"} <= towns


def test_grades_match_facts(gaz):
    assert [p.name_zh for p in gaz if p.grade == "5A"] == ["濯水景区"]
    four_a = [p for p in gaz if p.grade == "4A"]
    assert len(four_a) == 7  # "1个5A + 7个4A"
    assert sum(not p.identified for p in four_a) == 2  # two not yet identified, not guessed
    assert all(p.position is None for p in four_a if not p.identified)


def test_positions_only_where_a_source_gives_one(gaz):
    with_pos = {p.id: p.position for p in gaz if p.position is not None}
    assert set(with_pos) == {"zhuoshui-scenic-area", "wulingshan-airport", "qianjiang-station",
                             "district-seat"}
    for pos in with_pos.values():
        assert pos.source and pos.confidence and pos.datum in {"wgs84", "gcj02", "bd09"}
    # Stored in WGS-84: the GCJ-02 濯水 point converted (FACTS.md gives WGS-84 29.30224, 108.77427).
    z = with_pos["zhuoshui-scenic-area"]
    assert z.datum == "gcj02"
    assert (z.lon, z.lat) == pytest.approx((108.77427, 29.30224), abs=2e-5)
    a = with_pos["wulingshan-airport"]
    assert (a.lon, a.lat) == (108.83111, 29.51333)


def test_parts_and_facts(gaz):
    assert {p.id for p in gaz.parts_of("zhuoshui-scenic-area")} >= {"zhuoshui-ancient-town",
                                                                     "puhua-underground-river"}
    assert all(f.source for p in gaz for f in p.facts)
    assert {p.category for p in gaz} == set(CATEGORIES)


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
    text = SHIPPED.read_text(encoding="utf-8") + '\n[[place]]\nid = "zz"\nname_zh = "黔江站"\n' \
        'name_en = "Other"\ncategory = "civic"\nsubtype = "x"\n'
    gaz = parse_gazetteer(text)
    with pytest.raises(UnknownPlaceError, match="names several places .*qianjiang-station, zz"):
        gaz.find("黔江站")


def _bad(text_edit):
    text = SHIPPED.read_text(encoding="utf-8")
    return text_edit(text)


@pytest.mark.parametrize(("edit", "pattern"), [
    (lambda t: t.replace('subtype = "cave_river"', 'subtype = "cave_river"\ncolour = "red"'),
     r"gazetteer.toml:\d+: field 'colour': unknown field"),
    (lambda t: t.replace('category = "scenic"', 'category = "scenc"', 1),
     r"gazetteer.toml:29: field 'category': 'scenc' is not one of"),
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
        parse_gazetteer(_bad(edit), SHIPPED.parent / "gazetteer.toml")


def test_error_line_points_at_the_field():
    text = _bad(lambda t: t.replace("lat = 29.51333", 'lat = "north"'))
    line = next(i + 1 for i, s in enumerate(text.splitlines()) if s == 'lat = "north"')
    with pytest.raises(GazetteerError, match=rf":{line}: field 'position.lat'"):
        parse_gazetteer(text, "g.toml")


def test_missing_file(tmp_path):
    with pytest.raises(GazetteerError, match="gazetteer file not found"):
        load_gazetteer(tmp_path / "none.toml")
