"""Provider keys: read from the environment or the user's config file, and kept out of sight.

A key comes from ``WULING_GEO_<PROVIDER>_KEY`` or, failing that, from the ``[keys]`` table
of the user's config file (:func:`wuling_geo.settings.user_config_path`)::

    [keys]
    amap = "..."
    baidu = "..."
    tianditu = "..."

Keys are never written to the repository, caches, messages or exports: :func:`redact`
removes them (and any ``key=``/``ak=``/``tk=`` URL parameter) from text before it is shown.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from wuling_geo import settings
from wuling_geo._util.errors import InputError, ProviderKeyError

#: Environment variable of each provider's key.
KEY_ENV = {"amap": "WULING_GEO_AMAP_KEY", "baidu": "WULING_GEO_BAIDU_KEY",
           "tianditu": "WULING_GEO_TIANDITU_KEY"}
_URL_KEY_RE = re.compile(r"(?i)\b(key|ak|tk|sn)=[^&\s\"']+")
MASK = "***"


def _config_keys(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"cannot read the config file {path} ({type(exc).__name__}): fix or remove it"
        raise InputError(msg) from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise InputError(f"config file {path}: [keys] must be a table of provider = \"key\"")
    return {str(k): v for k, v in keys.items() if isinstance(v, str)}


def provider_key(provider: str, title: str | None = None) -> str:
    """Return the key of ``provider`` from the environment or the user's config file.

    Raises
    ------
    ProviderKeyError
        If neither holds a non-empty key; the message says where to put one.
    """
    import os

    env = KEY_ENV[provider]
    key = (os.environ.get(env) or "").strip()
    if key:
        return key
    path = settings.user_config_path()
    key = _config_keys(path).get(provider, "").strip()
    if key:
        return key
    msg = (f"no {title or provider} key: set {env} or add {provider} = \"YOUR-KEY\" under [keys] "
           f"in {path}")
    raise ProviderKeyError(msg)


def redact(text: str, *secrets: str) -> str:
    """Return ``text`` with every secret and every ``key=``/``ak=``/``tk=`` value masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _URL_KEY_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)


__all__ = ["KEY_ENV", "provider_key", "redact"]
