"""Run one hostile CLI case in-process and judge its outcome (shared by the test and the table).

A case (see :mod:`tests.hostile_cases`) is run as ``wuling-geo ARGV`` through
:func:`wuling_geo.cli.run` in a working folder of its own, with every online service pointed at
a closed 127.0.0.1 port, the caches and default map folder inside scratch folders, and the
environment overrides of the case applied (``settings`` re-read so variables read at import
count). The outcome classes:

``error``
    exit status 2, exactly one non-empty line on stderr, no ``Traceback``, and the working
    folder exactly as before (nothing created, changed or deleted: no half-written output,
    no temporary file, the user's folders intact).
``ok``
    exit status 0, no ``Traceback``, every file the case created beforehand still there and
    unchanged (unless the case names it in ``overwrites``), no temporary files left behind.
``safe``
    for inputs where refusing and succeeding are both honest answers (an existing folder of
    the user's own as ``--out``): either ``ok`` or a clean ``error``, but the user's files
    must survive unchanged either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import os
import re
import shutil
import signal
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Seconds a case may run before it counts as hung.
CASE_TIMEOUT_S = 30.0

#: How the one line of an error starts.
ERROR_PREFIX = "wuling-geo: error: "

#: Placeholders in argv, env values and file contents.
PLACEHOLDERS = ("{net}", "{netcopy}", "{closed}", "{work}", "{realdata}")

#: Real OSM extracts and a DEM from elsewhere (not Qianjiang), beside the repository.
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

Content = str | bytes | Callable[[], bytes] | None  # None: a folder


@dataclass(frozen=True)
class Case:
    """One hostile input and the outcome the project promises for it.

    Parameters
    ----------
    id
        Unique, short, kebab-case.
    argv
        Arguments after ``wuling-geo``; may hold the :data:`PLACEHOLDERS`.
    expect
        ``"error"``, ``"ok"`` or ``"safe"``.
    env
        Environment overrides for the run.
    files
        Files (relative path → text, bytes, a callable returning bytes, or ``None`` for a
        folder) created in the working folder before the run.
    overwrites
        Pre-created files an ``ok`` run may legitimately replace.
    checks
        ``(relative path, regex)`` pairs: after an ``ok`` run the file must exist and the
        pattern must NOT occur in it (e.g. raw ``<script>`` from an injected name).
    note
        What the case is about, for the table.
    """

    id: str
    argv: tuple[str, ...]
    expect: str
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, Content] = field(default_factory=dict)
    overwrites: tuple[str, ...] = ()
    checks: tuple[tuple[str, str], ...] = ()
    note: str = ""

    @property
    def command(self) -> str:
        """The subcommand words of ``argv`` (global options skipped)."""
        words: list[str] = []
        skip = False
        for token in self.argv:
            if skip:
                skip = False
                continue
            if token in ("--gazetteer", "--workers"):
                skip = True
                continue
            if token.startswith("-"):
                if words:
                    break
                continue
            words.append(token)
            if token != "network":
                break
        return " ".join(words) or "(none)"


@dataclass
class Outcome:
    """What a case did and whether that matches its promise."""

    code: int | None
    out: str
    err: str
    seconds: float
    problems: list[str]

    @property
    def passed(self) -> bool:
        """Whether the run met the expected class."""
        return not self.problems

    def summary(self) -> str:
        """One line: ``pass`` or the first problem."""
        return "pass" if self.passed else "FAIL: " + "; ".join(self.problems)


class CaseTimeout(BaseException):
    """Raised in the main thread when a case runs past :data:`CASE_TIMEOUT_S`."""


def _subst(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            out[rel] = "<dir>"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _write_files(case: Case, work: Path, values: Mapping[str, str]) -> None:
    for rel, content in case.files.items():
        path = work / _subst(rel, values)
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content = content(values) if getattr(content, "wants_values", False) else content()
        if isinstance(content, str):
            path.write_text(_subst(content, values), encoding="utf-8")
            if content.startswith("#!"):
                path.chmod(0o755)  # a stand-in program (e.g. a failing npm)
        else:
            path.write_bytes(content)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def fire(signum, frame):
        raise CaseTimeout(f"no answer within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _isolated(case: Case, work: Path, scratch: Path, closed_url: str,
              values: Mapping[str, str]) -> Iterator[None]:
    """Environment, cwd, settings and osmnx endpoints for one case; all restored after."""
    import osmnx as ox

    from wuling_geo import settings

    saved_settings = {k: v for k, v in vars(settings).items()
                      if not k.startswith("_") and not callable(v)
                      and not isinstance(v, type(os))}
    ox_keys = ("overpass_url", "nominatim_url", "overpass_rate_limit", "use_cache",
               "requests_timeout", "cache_folder", "doh_url_template", "http_user_agent")
    saved_ox = {k: getattr(ox.settings, k) for k in ox_keys}
    saved_env = {k: os.environ.get(k) for k in case.env}
    cwd = Path.cwd()
    try:
        for key, value in case.env.items():
            os.environ[key] = _subst(value, values)
        os.chdir(work)
        if case.env:
            importlib.reload(settings)  # variables read at import time must count too
        if "WULING_GEO_CACHE" not in case.env:
            settings.cache_dir = scratch / "cache"
        if "WULING_GEO_WEB_ASSETS" not in case.env:
            settings.web_assets_dir = scratch / "web-assets"  # never installed: deterministic
        settings.maps_dir = work / "maps"
        settings.workers = None
        ox.settings.overpass_url = closed_url + "/api"
        ox.settings.nominatim_url = closed_url + "/"
        ox.settings.overpass_rate_limit = False
        yield
    finally:
        os.chdir(cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if case.env:
            with contextlib.suppress(Exception):
                importlib.reload(settings)
        for key, value in saved_settings.items():
            setattr(settings, key, value)
        for key, value in saved_ox.items():
            setattr(ox.settings, key, value)


_QUIET_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def _invoke(argv: list[str], case: Case, work: Path, scratch: Path, closed_url: str,
            values: Mapping[str, str], timeout: float) -> tuple[int | None, str, str]:
    from wuling_geo.cli import run

    out, err = io.StringIO(), io.StringIO()
    code: int | None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            with _isolated(case, work, scratch, closed_url, values), _alarm(timeout):
                code = run(argv)
        except CaseTimeout as exc:
            code = None
            err.write(f"[harness] TIMEOUT: {exc}\n")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 1
            err.write(traceback.format_exc())
    shown = [w for w in caught if not issubclass(w.category, _QUIET_WARNINGS)]
    text = err.getvalue() + "".join(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno, "") for w in shown)
    return code, out.getvalue(), text


def run_case(case: Case, root: Path, net: Path, closed_url: str,
             timeout: float = CASE_TIMEOUT_S) -> Outcome:
    """Run ``case`` in ``root/work`` (made here) and judge it.

    Parameters
    ----------
    case
        The case.
    root
        An empty scratch folder for this case.
    net
        A saved SYNTHETIC network (``{net}``; copied for ``{netcopy}``).
    closed_url
        A 127.0.0.1 URL on which nothing listens.
    timeout
        Seconds before the case counts as hung.
    """
    work = root / "work"
    scratch = root / "scratch"
    work.mkdir(parents=True)
    scratch.mkdir()
    values = {"{net}": str(net), "{netcopy}": str(work / "netcopy"), "{closed}": closed_url,
              "{work}": str(work), "{realdata}": str(REALDATA)}
    _write_files(case, work, values)
    if any("{netcopy}" in a for a in case.argv):
        shutil.copytree(net, work / "netcopy")
    before = _snapshot(work)
    argv = [_subst(a, values) for a in case.argv]
    start = time.perf_counter()
    code, out, err = _invoke(argv, case, work, scratch, closed_url, values, timeout)
    seconds = time.perf_counter() - start
    after = _snapshot(work)
    return Outcome(code, out, err, seconds, judge(case, code, err, before, after, work))


def _replace(case: Case, expect: str) -> Case:
    import dataclasses

    return dataclasses.replace(case, expect=expect)


def _first_line(err: str) -> str:
    lines = shown_lines(err)
    return lines[-1][:160] if lines else ""


def shown_lines(err: str) -> list[str]:
    """Return the non-empty lines a terminal would show for ``err``.

    Progress bars redraw a line with carriage returns; only what follows the last ``\\r`` of a
    line stays on screen.
    """
    return [shown for line in err.split("\n") if (shown := line.split("\r")[-1].strip())]


def judge(case: Case, code: int | None, err: str, before: Mapping[str, str],
          after: Mapping[str, str], work: Path) -> list[str]:
    """Return what is wrong with an outcome for the case's expected class (empty: pass)."""
    problems: list[str] = []
    lines = shown_lines(err)
    if code is None:
        return ["hung (timed out)"]
    if "Traceback" in err:
        problems.append(f"traceback ({_first_line(err)})")
    if case.expect == "safe":  # judged as a clean refusal if it exits 2, else as success
        return judge(_replace(case, "error" if code == 2 else "ok"), code, err, before, after,
                     work)
    if case.expect == "error":
        if code != 2:
            problems.append(f"exit {code}, not 2" + (f" ({_first_line(err)})" if err else ""))
        if len(lines) != 1 and "Traceback" not in err:
            problems.append(f"{len(lines)} lines on stderr, not 1 ({_first_line(err)})")
        elif len(lines) == 1 and not lines[0].startswith(ERROR_PREFIX):
            problems.append(f"stderr line does not start with {ERROR_PREFIX!r}: {lines[0][:100]}")
        created = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
        if created:
            problems.append(f"left behind {', '.join(created[:3])}")
        if removed:
            problems.append(f"deleted {', '.join(removed[:3])}")
        if changed:
            problems.append(f"changed {', '.join(changed[:3])}")
    elif case.expect == "ok":
        if code != 0:
            problems.append(f"exit {code}, not 0 ({_first_line(err)})")
        removed = sorted(k for k in before if k not in after)
        changed = sorted(k for k in before if k in after and before[k] != after[k]
                         and before[k] != "<dir>" and k not in case.overwrites)
        if removed:
            problems.append(f"deleted {', '.join(removed[:3])}")
        if changed:
            problems.append(f"changed {', '.join(changed[:3])}")
        temps = sorted(k for k in set(after) - set(before)  # atomic writes' hidden temporaries
                       if any(part.startswith(".") for part in k.split("/")))
        if temps:
            problems.append(f"temporary files left: {', '.join(temps[:3])}")
        if code == 0:
            for rel, pattern in case.checks:
                path = work / rel
                if not path.is_file():
                    problems.append(f"{rel} not written")
                elif re.search(pattern, path.read_text(encoding="utf-8", errors="replace")):
                    problems.append(f"{rel} contains {pattern!r}")
    else:  # pragma: no cover - a mistake in the case list
        problems.append(f"unknown expected class {case.expect!r}")
    return problems
