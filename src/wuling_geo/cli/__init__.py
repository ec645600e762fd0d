"""The ``wuling-geo`` command line: a thin layer that parses, calls the API and prints.

Every error caused by input or data is a :class:`~wuling_geo._util.errors.WulingGeoError`; it is
printed on one line and the program exits with status 2, without a traceback.
"""

from __future__ import annotations

import logging
import sys

import click

from wuling_geo import settings
from wuling_geo._util.errors import WulingGeoError, clip
from wuling_geo.cli import batch, build, catchments, data, gazetteer, logistics, maps, network, route
from wuling_geo.cli._flags import for_flags

#: Longest error message printed (characters): a safety net behind the clipping of quoted
#: input in the messages themselves.
MESSAGE_LIMIT = 400

_MODULES = (data, gazetteer, network, catchments, maps, route, logistics, batch, build)


class _EchoHandler(logging.Handler):
    """Write the library's log records to the current stderr (as click sees it).

    ``INFO`` lines appear as they are; ``DEBUG`` ones say where they come from; warnings and
    worse start with ``wuling-geo: warning:``.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.levelno >= logging.WARNING:
                message = f"wuling-geo: warning: {message}"
            elif record.levelno < logging.INFO:
                message = f"[{record.name.removeprefix('wuling_geo.')}] {message}"
            click.echo(message, err=True)
        except Exception:
            self.handleError(record)


_HANDLER = _EchoHandler()


def configure_logging(quiet: bool, verbose: bool) -> None:
    """Show the library's log on stderr: warnings only if ``quiet``, debug lines if ``verbose``."""
    logger = logging.getLogger("wuling_geo")
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    logger.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-q", "--quiet", is_flag=True, help="Hide progress bars and information.")
@click.option("-v", "--verbose", is_flag=True,
              help="Print diagnostics: timings, cache hits and misses, query URLs.")
@click.option("--gazetteer", type=click.Path(dir_okay=False), default=None,
              help="Gazetteer TOML to use instead of geodata/gazetteer.toml.")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Threads for the heavy geometry (default: one per core; env "
                   "WULING_GEO_WORKERS).")
@click.version_option(package_name="wuling-geo")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool, gazetteer: str | None,
         workers: int | None) -> None:
    """Maps, road networks, catchments and routes for Qianjiang District (黔江区), Chongqing.

    Places are given as a gazetteer name or alias (Chinese, pinyin or English), an id, or
    LON,LAT with --datum wgs84|gcj02|bd09.
    """
    settings.quiet = quiet
    settings.verbose = verbose and not quiet
    configure_logging(quiet, settings.verbose)
    if workers is not None:
        settings.workers = workers
    ctx.obj = {"gazetteer": gazetteer}


for _module in _MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)


def usage_line(exc: click.ClickException) -> str:
    """Return a click error as one line: the command, the message, and where help is.

    click prints usage errors as a usage block, a hint and the message on separate lines;
    here they are one line like every other error of the command line.
    """
    message = " ".join(clip(exc.format_message(), MESSAGE_LIMIT).split())
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return f"wuling-geo: error: {message}"
    command = ctx.command_path.removeprefix("wuling-geo").strip()
    where = f"{command}: " if command else ""
    return f"wuling-geo: error: {where}{message} (see '{ctx.command_path} --help')"


def run(argv: list[str] | None = None) -> int:
    """Run the command line; return (and, as a script, exit with) its status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    for i, arg in enumerate(argv, 1):
        if "\x00" in arg:  # no path, name or number holds one; the OS would refuse it later
            click.echo(f"wuling-geo: error: argument {i} contains a NUL byte: remove it", err=True)
            return 2
    try:
        return _run(argv)
    finally:  # the log goes to stderr only while the command runs
        logger = logging.getLogger("wuling_geo")
        logger.removeHandler(_HANDLER)
        logger.setLevel(logging.NOTSET)


def _run(argv: list[str] | None) -> int:
    try:
        main.main(args=argv, prog_name="wuling-geo", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(usage_line(exc), err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("wuling-geo: aborted", err=True)
        return 130
    except WulingGeoError as exc:
        message = " ".join(clip(for_flags(str(exc)), MESSAGE_LIMIT).split())
        click.echo(f"wuling-geo: error: {message}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("wuling-geo: interrupted", err=True)
        return 130
    return 0


def _entry() -> None:  # pragma: no cover
    sys.exit(run())
