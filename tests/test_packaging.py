"""The package as users install it: every sub-package in the wheel, and the main job from a wheel.

The wheel test builds the wheel, installs it into a fresh virtual environment outside the
checkout and runs the README's main job (``wuling-geo build``) from an empty folder: the
layers and the map must be written with no repository beside them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_sub_package_is_declared():
    found = {".".join(p.parent.relative_to(ROOT / "src").parts)
             for p in (ROOT / "src" / "wuling_geo").rglob("__init__.py")}
    assert found - _declared_packages() == set()
    assert "wuling_geo.geodata" in _declared_packages()


def test_shipped_data_is_read_through_the_package():
    from importlib import resources

    shipped = resources.files("wuling_geo.geodata")
    for name in ("gazetteer.toml", "boundary.geojson", "services.toml", "speeds.toml",
                 "planning.toml"):
        assert (shipped / name).is_file(), name


@pytest.mark.slow
def test_wheel_runs_the_main_job_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("wuling_geo-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # The outer environment's pip installs into the new one (pip --python), dependencies
    # from the index or pip's cache, as a user's 'pip install wuling-geo' would.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    str(wheel)], check=True, capture_output=True)
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WULING_GEO"))}
    env["WULING_GEO_CACHE"] = str(tmp_path / "cache")
    proc = subprocess.run([str(env_dir / "bin" / "wuling-geo"), "-q", "build"], cwd=work,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (work / "out" / "layers.gpkg").stat().st_size > 0
    page = (work / "maps" / "qianjiang.html").read_text("utf-8")
    assert "黔江" in page
    # The installed package, not the checkout, did the work.
    where = subprocess.run([str(python), "-c", "import wuling_geo; print(wuling_geo.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert str(ROOT) not in where.stdout
    assert "site-packages" in where.stdout
