"""The online providers by name: the one place that knows every provider module."""

from __future__ import annotations

from wuling_geo._util.errors import InputError
from wuling_geo.data.geocode.amap import AmapProvider
from wuling_geo.data.geocode.baidu import BaiduProvider
from wuling_geo.data.geocode.provider import PROVIDER_NAMES, OnlineProvider
from wuling_geo.data.geocode.tianditu import TiandituProvider


def make_provider(name: str, **kwargs) -> OnlineProvider:
    """Return the provider called ``name`` (``tianditu``, ``amap`` or ``baidu``).

    Raises
    ------
    InputError
        For an unknown name.
    ProviderKeyError
        If the provider has no key.
    """
    classes = {"tianditu": TiandituProvider, "amap": AmapProvider, "baidu": BaiduProvider}
    key = str(name).strip().lower()
    if key not in classes:
        msg = f"unknown provider {name!r}: use one of {', '.join((*PROVIDER_NAMES, 'nominatim'))}"
        raise InputError(msg)
    return classes[key](**kwargs)


__all__ = ["make_provider"]
