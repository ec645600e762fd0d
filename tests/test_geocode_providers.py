"""Online providers (Amap, Baidu, Tianditu) against local stand-ins in their documented formats."""

import json
import time

import prcoords
import pytest

from wuling_geo import settings
from wuling_geo._util.errors import (
    NoMatchError,
    OfflineError,
    ProviderKeyError,
    QuotaError,
)
from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.geocode import kinds
from wuling_geo.data.geocode.amap import AmapProvider
from wuling_geo.data.geocode.baidu import BaiduProvider, confidence_of
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.geocode.provider import RateLimiter
from wuling_geo.data.geocode.providers import make_provider
from wuling_geo.data.geocode.tianditu import TiandituProvider

from . import provider_standins as standin
from .fixture_server import FixtureServer
from .helpers import SMALL_GAZETTEER, cli

KEY = standin.KEY
GAZ = load_gazetteer()


def metres(a, b):
    return prcoords.Coords(a[1], a[0]).distance(prcoords.Coords(b[1], b[0]))


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """Never read a real user's config; no waiting between retries."""
    monkeypatch.setenv("WULING_GEO_CONFIG", str(tmp_path / "config.toml"))
    for env in ("WULING_GEO_AMAP_KEY", "WULING_GEO_BAIDU_KEY", "WULING_GEO_TIANDITU_KEY"):
        monkeypatch.delenv(env, raising=False)
    monkeypatch.setattr(settings, "provider_backoff", 0.0)
    monkeypatch.setattr(settings, "provider_rates", {"amap": 0, "baidu": 0, "tianditu": 0})


def serve(name):
    script = standin.Scripted()
    handler = getattr(standin, name)(script)
    server = FixtureServer({"/": handler})
    server.script = script
    return server


def cache_text():
    root = settings.cache_dir / "geocode"
    files = list(root.rglob("*")) if root.exists() else []
    return files, "".join(f.read_text(encoding="utf-8") for f in files if f.is_file())


# ------------------------------------------------------------------ Amap (GCJ-02)

def test_amap_candidates_in_wgs84_with_provenance_and_kind_checks():
    with serve("amap") as server:
        amap = AmapProvider(key=KEY, base_url=server.url)
        cands = amap.candidates(GAZ.find("神龟峡"))
        by = {(c.provenance.method, c.label): c for c in cands}
        geo = by[("geocode", "重庆市黔江区神龟峡")]
        assert metres((geo.lon, geo.lat), standin.PLACES["神龟峡"][0]) < 1.0
        assert geo.precision["level"] == "兴趣点" and geo.confidence == "medium"
        prov = geo.provenance
        assert (prov.provider, prov.query, prov.datum) == ("amap", "神龟峡", "gcj02")
        assert len(prov.date) == 10
        poi = by[("place-search", "神龟峡")]
        assert poi.accepted and poi.place_class == "scenic" and poi.ident == "B0SYN00000"
        stop = by[("place-search", "神龟峡公交站")]  # a scenic area is not a bus stop
        assert not stop.accepted and "kind-mismatch" in stop.flags and stop.confidence == "none"
        # documented parameters only, restricted to the district
        geo_req = next(p for path, p, _ in server.requests if path == "/v3/geocode/geo")
        assert geo_req["city"] == "500114" and geo_req["address"] == "重庆市黔江区神龟峡"
        text_req = next(p for path, p, _ in server.requests if path == "/v3/place/text")
        assert text_req["citylimit"] == "true" and text_req["city"] == "500114"
        assert set(text_req) <= {"key", "keywords", "city", "citylimit", "offset", "page",
                                 "extensions", "output"}


def test_amap_outside_district_and_town_kind():
    with serve("amap") as server:
        amap = AmapProvider(key=KEY, base_url=server.url)
        cands = amap.candidates(GAZ.find("爱莉丝庄园"))
        far = [c for c in cands if c.ident == "B0FAR00001"]
        assert far and "outside-district" in far[0].flags and not far[0].accepted
        best = amap.best(GAZ.find("爱莉丝庄园"))
        assert metres((best.lon, best.lat), standin.PLACES["爱莉丝庄园"][0]) < 1.0
        town = amap.best(GAZ.find("小南海镇"))  # geocoder level 乡镇 -> a town
        assert town.place_class == "town" and town.precision["level"] == "乡镇"


def test_amap_errors_are_named_one_line_and_never_show_the_key():
    with serve("amap") as server:
        bad = AmapProvider(key="wrong-secret-123", base_url=server.url)
        with pytest.raises(ProviderKeyError, match="10001 INVALID_USER_KEY") as err:
            bad.candidates("神龟峡")
        assert "wrong-secret-123" not in str(err.value) and "\n" not in str(err.value)
        amap = AmapProvider(key=KEY, base_url=server.url)
        server.script.queue.append((200, {"status": "0", "info": "DAILY_QUERY_OVER_LIMIT",
                                          "infocode": "10003"}))
        with pytest.raises(QuotaError, match="quota exhausted.*10003"):
            amap.candidates("神龟峡")
        files, text = cache_text()
        assert not [f for f in files if f.is_file()]  # nothing cached from errors
        with pytest.raises(NoMatchError, match="no match for '不存在的地方'"):
            amap.locate("不存在的地方")


def test_amap_throttling_is_retried_with_backoff():
    with serve("amap") as server:
        amap = AmapProvider(key=KEY, base_url=server.url)
        throttled = (200, {"status": "0", "info": "CUQPS_HAS_EXCEEDED_THE_LIMIT",
                           "infocode": "10021"})
        server.script.queue += [throttled, throttled]
        assert amap.best("神龟峡") is not None
        assert len(server.requests) == 4  # two throttled, then geocode and place search
        server.script.queue += [throttled] * 10
        with pytest.raises(QuotaError, match="still throttled"):
            amap.candidates("爱莉丝庄园")


def test_server_errors_are_retried_by_urllib3():
    with serve("amap") as server:
        amap = AmapProvider(key=KEY, base_url=server.url)
        server.script.queue.append((503, {"error": "busy"}))
        assert amap.candidates("神龟峡")
        assert len(server.requests) == 3


def test_answers_are_cached_without_the_key():
    with serve("amap") as server:
        AmapProvider(key=KEY, base_url=server.url).candidates("神龟峡")
        n = len(server.requests)
        again = AmapProvider(key=KEY, base_url=server.url).candidates("神龟峡")
        assert len(server.requests) == n and again
        files, text = cache_text()
        assert files and KEY not in text and all(KEY not in str(f) for f in files)
        assert json.loads(next(f for f in files if f.is_file()).read_text())["date"]


# ------------------------------------------------------------------ Baidu (GCJ-02 / BD-09)

@pytest.mark.parametrize("coordtype", ["gcj02ll", "bd09ll"])
def test_baidu_datums_come_out_wgs84_within_a_metre(coordtype):
    with serve("baidu") as server:
        baidu = BaiduProvider(key=KEY, base_url=server.url, ret_coordtype=coordtype)
        cands = baidu.candidates(GAZ.find("小南海镇"))
        geo = next(c for c in cands if c.provenance.method == "geocode")
        assert metres((geo.lon, geo.lat), standin.PLACES["小南海镇"][0]) < 1.0
        assert geo.precision == {"precise": 1, "confidence": 80, "comprehension": 100,
                                 "level": "乡镇"}
        assert geo.confidence == "medium-high" and geo.place_class == "town"
        assert server.requests[0][1]["ret_coordtype"] == coordtype


def test_baidu_error_codes():
    assert confidence_of(0, 30, 100) == "low-medium" and confidence_of(1, 80, 20) == "medium"
    with serve("baidu") as server:
        with pytest.raises(ProviderKeyError, match="200 APP不存在"):
            BaiduProvider(key="nope", base_url=server.url).candidates("神龟峡")
        baidu = BaiduProvider(key=KEY, base_url=server.url)
        server.script.queue.append((200, {"status": 302, "message": "天配额超限，限制访问"}))
        with pytest.raises(QuotaError, match="302"):
            baidu.candidates("神龟峡")
        server.script.queue.append((200, {"status": 401, "message": "当前并发量已经超过约定并发配额"}))
        assert baidu.best("神龟峡").place_class == "scenic"  # concurrency: retried
        assert baidu.best("不存在的地方") is None  # status 1 无相关结果 -> no result


# ------------------------------------------------------------------ Tianditu (CGCS2000)

def test_tianditu_geocoder_and_search():
    with serve("tianditu") as server:
        tdt = TiandituProvider(key=KEY, base_url=server.url)
        cands = tdt.candidates(GAZ.find("神龟峡"))
        geo = next(c for c in cands if c.provenance.method == "geocode")
        assert geo.precision == {"score": 95, "level": "风景名胜"} and geo.confidence == "medium"
        assert (geo.lon, geo.lat) == standin.PLACES["神龟峡"][0]
        stop = next(c for c in cands if c.label == "神龟峡公交站")
        assert stop.place_class == "bus_stop" and not stop.accepted
        post = json.loads(next(p for path, p, _ in server.requests if path == "/v2/search")
                          ["postStr"])
        assert post["queryType"] == 12 and post["specify"] == "156500114"
        assert tdt.best("不存在的地方") is None  # geocoder 101, search count 0
        with pytest.raises(ProviderKeyError, match="HTTP 403"):
            TiandituProvider(key="bad", base_url=server.url).candidates("爱莉丝庄园")


# ------------------------------------------------------------------ keys, offline, limiter

def test_missing_key_says_where_to_put_one(tmp_path, monkeypatch):
    with pytest.raises(ProviderKeyError, match="WULING_GEO_AMAP_KEY.*\\[keys\\].*config.toml"):
        make_provider("amap")
    (tmp_path / "config.toml").write_text('[keys]\nbaidu = "from-config"\n', encoding="utf-8")
    assert make_provider("baidu")._key == "from-config"
    monkeypatch.setenv("WULING_GEO_BAIDU_KEY", "from-env")
    assert make_provider("baidu")._key == "from-env"
    assert "from-env" not in repr(make_provider("baidu"))


def test_offline_fails_fast_with_a_hint(closed_port_url):
    start = time.monotonic()
    with pytest.raises(OfflineError, match="offline.*drop `provider`"):
        AmapProvider(key=KEY, base_url=closed_port_url).candidates("神龟峡")
    assert time.monotonic() - start < 10


def test_rate_limiter_is_per_object():
    a, b = RateLimiter(20), RateLimiter(20)
    start = time.monotonic()
    for _ in range(3):
        a.wait()
    b.wait()
    assert 0.09 < time.monotonic() - start < 0.5  # b did not wait for a
    p, q = make_provider("amap", key=KEY), make_provider("amap", key=KEY)
    assert p.limiter is not q.limiter


def test_kind_vocabulary():
    assert kinds.classify("乡镇") == "town" and kinds.classify("道路") == "road"
    assert kinds.classify("交通设施服务;公交车站;公交车站相关") == "bus_stop"
    assert kinds.classify("风景名胜;风景名胜;国家级景点") == "scenic"
    assert not kinds.fits("town", "road") and not kinds.fits("scenic_area", "bus_stop")
    assert kinds.fits("railway_station", "railway_station") and kinds.fits("town", "town")


# ------------------------------------------------------------------ geocoder and CLI

def test_geocoder_uses_the_provider_and_batch_notes_errors(monkeypatch):
    with serve("amap") as server:
        monkeypatch.setattr(settings, "amap_url", server.url)
        monkeypatch.setenv("WULING_GEO_AMAP_KEY", KEY)
        res = Geocoder(features=None, provider="amap").resolve("神龟峡")
        assert res.method == "amap" and res.input_datum == "gcj02"
        assert "Amap (高德)" in res.source and "'神龟峡'" in res.source
        assert metres((res.lon, res.lat), standin.PLACES["神龟峡"][0]) < 1.0
        monkeypatch.setenv("WULING_GEO_AMAP_KEY", "bad-key-999")
        g = Geocoder(features=None, provider="amap")
        n = len(server.requests)
        out = g.resolve_all()
        assert len(server.requests) == n + 1  # asked once, then left alone
        assert len(g.notes) == 1 and "INVALID_USER_KEY" in g.notes[0]
        assert "bad-key-999" not in g.notes[0]
        assert any(r.method == "unresolved" for r in out)


def test_cli_geocode_with_provider(capsys, monkeypatch):
    with serve("baidu") as server:
        monkeypatch.setattr(settings, "baidu_url", server.url)
        monkeypatch.setenv("WULING_GEO_BAIDU_KEY", KEY)
        # The small fixture gazetteer has no position for 小南海镇 (the shipped one has).
        code, out, err = cli(capsys, "--gazetteer", str(SMALL_GAZETTEER), "geocode", "小南海镇",
                             "--provider", "baidu", "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["method"] == "baidu" and data["datum"] == "wgs84" and KEY not in out
        code, out, err = cli(capsys, "geocode", "不存在的地方", "--provider", "baidu")
        assert code == 2 and "no match" in err and len(err.strip().splitlines()) == 1
        monkeypatch.setenv("WULING_GEO_BAIDU_KEY", "secret-bad")
        code, out, err = cli(capsys, "geocode", "神龟峡", "--provider", "baidu")
        assert code == 2 and "secret-bad" not in err + out and "key was refused" in err


def test_malformed_config_file_is_a_one_line_error(tmp_path):
    from wuling_geo._util.errors import InputError

    (tmp_path / "config.toml").write_text("[keys\namap = 1", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the config file .*config.toml"):
        make_provider("amap")
