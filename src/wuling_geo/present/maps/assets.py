"""Leaflet and its plugins for self-contained (``--offline``) web maps.

folium links Leaflet and the plugins from public CDNs, several of which are slow or blocked in
mainland China. For ``--offline`` the same files are read from the npm packages of the same
versions, installed (not committed) under :data:`settings.web_assets_dir` by
``wuling-geo map-assets`` (which runs ``npm install``), and inlined into the HTML: scripts as
``<script>`` blocks, style sheets as ``<style>`` blocks with their images as ``data:`` URIs.
The page then loads nothing but map tiles.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
import shutil
import subprocess
from pathlib import Path

from wuling_geo import settings
from wuling_geo._util.errors import WulingGeoError
from wuling_geo._util.files import atomic_dir

log = logging.getLogger(__name__)

#: npm packages and versions: the versions folium 0.20 links from its CDNs, so online and
#: offline maps run the same code.
NPM_PACKAGES: dict[str, str] = {
    "leaflet": "1.9.3",
    "leaflet.markercluster": "1.1.0",
    "leaflet.fullscreen": "3.0.0",
    "leaflet.locatecontrol": "0.66.2",
    "leaflet-measure": "2.1.7",
    "leaflet-search": "2.9.7",
    "leaflet-minimap": "3.6.1",
}

#: folium's resource names (the keys it gives each CDN link) → file inside ``node_modules``.
RESOURCES: dict[str, str] = {
    "leaflet": "leaflet/dist/leaflet.js",
    "leaflet_css": "leaflet/dist/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "Control_locate_min_js": "leaflet.locatecontrol/dist/L.Control.Locate.min.js",
    "Control_locate_min_css": "leaflet.locatecontrol/dist/L.Control.Locate.min.css",
    "leaflet_measure_js": "leaflet-measure/dist/leaflet-measure.min.js",
    "leaflet_measure_css": "leaflet-measure/dist/leaflet-measure.css",
    "Leaflet.Search.js": "leaflet-search/dist/leaflet-search.min.js",
    "Leaflet.Search.css": "leaflet-search/dist/leaflet-search.min.css",
    "Control_MiniMap_js": "leaflet-minimap/dist/Control.MiniMap.min.js",
    "Control_MiniMap_css": "leaflet-minimap/dist/Control.MiniMap.min.css",
}

_SCRIPT_TAG = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>')
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_SOURCE_MAP = re.compile(r"^\s*/[/*][#@]\s*sourceMappingURL=.*$", re.MULTILINE)


def node_modules(folder: Path | None = None) -> Path:
    """Return the ``node_modules`` folder the assets are read from."""
    return Path(folder or settings.web_assets_dir) / "node_modules"


def install_command(folder: Path | None = None) -> list[str]:
    """Return the ``npm install`` command that fetches :data:`NPM_PACKAGES` into ``folder``."""
    prefix = Path(folder or settings.web_assets_dir)
    return ["npm", "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
            "--silent", "--prefix", str(prefix),
            *(f"{name}@{version}" for name, version in NPM_PACKAGES.items())]


def missing_assets(folder: Path | None = None) -> list[str]:
    """Return the asset files (or wrong package versions) missing under ``folder``."""
    root = node_modules(folder)
    missing = [rel for rel in RESOURCES.values() if not (root / rel).is_file()]
    for name, version in NPM_PACKAGES.items():
        manifest = root / name / "package.json"
        if manifest.is_file() and f'"version": "{version}"' not in manifest.read_text("utf-8"):
            missing.append(f"{name}@{version}")
    return missing


def check_assets(folder: Path | None = None) -> Path:
    """Return the ``node_modules`` folder, or raise if an asset is missing."""
    missing = missing_assets(folder)
    if missing:
        msg = (f"`offline` needs Leaflet and its plugins under {node_modules(folder)} "
               f"({missing[0]} is missing): run 'wuling-geo map-assets' (uses npm), "
               "or drop `offline`")
        raise WulingGeoError(msg, param="offline")
    return node_modules(folder)


def install_assets(folder: Path | None = None) -> Path:
    """Install :data:`NPM_PACKAGES` with npm into ``folder``; return its ``node_modules``.

    Raises
    ------
    WulingGeoError
        If npm is not installed or fails (the message carries npm's last line).
    """
    if shutil.which("npm") is None:
        msg = "npm is not installed: install Node.js and npm (Debian: apt-get install npm)"
        raise WulingGeoError(msg)
    prefix = Path(folder or settings.web_assets_dir)
    if prefix.is_dir():  # an update: npm replaces each package in place
        _npm_install(prefix)
    else:  # a new folder appears only once npm has filled it: a failure leaves none behind
        with atomic_dir(prefix, merge=True) as stage:
            _npm_install(stage)
    return check_assets(prefix)


def _npm_install(prefix: Path) -> None:
    log.debug("running: %s", " ".join(install_command(prefix)))
    done = subprocess.run(install_command(prefix), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise WulingGeoError(f"npm install failed: {last}")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_css(path: Path) -> str:
    """Return a style sheet with every ``url(...)`` it references turned into a data URI."""
    css = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))

    def embed(match: re.Match) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file():
            raise WulingGeoError(f"style sheet {path} refers to missing {ref}: reinstall with "
                                 "'wuling-geo map-assets'")
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(embed, css).replace("</style", r"<\/style")


def inline_js(path: Path) -> str:
    """Return a script's text, safe to place inside a ``<script>`` element."""
    js = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", r"<\!--")


def inline_resources(html: str, urls: dict[str, str], folder: Path | None = None) -> str:
    """Replace the CDN ``<script>``/``<link>`` tags of ``html`` by the inlined npm files.

    Parameters
    ----------
    html
        A rendered folium page.
    urls
        CDN URL → folium resource name (a key of :data:`RESOURCES`).
    folder
        Assets folder (default :data:`settings.web_assets_dir`).

    Raises
    ------
    WulingGeoError
        If the page links a file that is not a known asset (nothing external may remain).
    """
    root = check_assets(folder)

    def resource(url: str) -> Path:
        name = urls.get(url)
        if name not in RESOURCES:
            raise WulingGeoError(f"the map links {url}, which has no offline copy; "
                                 "this is a bug in wuling-geo")
        return root / RESOURCES[name]

    html = _SCRIPT_TAG.sub(lambda m: f"<script>{inline_js(resource(m.group(1)))}</script>", html)
    return _LINK_TAG.sub(lambda m: f"<style>{inline_css(resource(m.group(1)))}</style>", html)


def linked_urls(html: str) -> list[str]:
    """Return the URLs of the scripts and style sheets a page links (not tiles)."""
    return [m.group(1) for m in _SCRIPT_TAG.finditer(html)] + [
        m.group(1) for m in _LINK_TAG.finditer(html)]
