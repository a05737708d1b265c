"""Command line over the services: argument parsing, output, exit codes. No rules here.

Exit codes (docs/cli.md): 0 ok, 1 invalid input or state, 2 usage, 3 permission
denied, 4 conflict. Errors are one line on stderr; never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .domain.errors import AppealsError, ConflictError, PermissionDenied
from .domain.text import visible
from .jsonout import ReaderGone, write_json, write_json_rows
from .paths import default_workspace_dir

if TYPE_CHECKING:
    from .services.session import Session

__all__ = ["cli", "main"]

#: a command function, kept as it is by the option decorators below
F = TypeVar("F", bound=Callable[..., Any])


#: Exit status per error type (docs/cli.md); the first class in the error's MRO found
#: here wins, so a lock that stays busy (a ConflictError and a StoreError) is 4.
EXIT_CODES: dict[type[AppealsError], int] = {
    PermissionDenied: 3,
    ConflictError: 4,
    AppealsError: 1,
}


def exit_code(exc: AppealsError) -> int:
    """The CLI's exit status for a service error."""
    return next(EXIT_CODES[k] for k in type(exc).__mro__ if k in EXIT_CODES)


class AppealsGroup(click.Group):
    """Turns service errors into one stderr line and the contract's exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["appeals.argv"] = list(args)  # --json may sit after the bad option
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            _json_usage_error(ctx, exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AppealsError as exc:
            report_error(ctx, exc)
            raise click.exceptions.Exit(exit_code(exc)) from None
        except (ReaderGone, BrokenPipeError):  # `| head` stopped reading: not an error
            _quiet_stdout()
            raise click.exceptions.Exit(0) from None
        except click.ClickException as exc:  # usage: click's text, or JSON with --json
            _json_usage_error(ctx, exc)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks for users
            import traceback  # only on a crash: a command's start imports the least

            log = _write_crash_log(ctx, traceback.format_exc())
            where = f"; details in {log}" if log else ""
            click.echo(f"error: internal error ({type(exc).__name__}: {exc}){where}", err=True)
            raise click.exceptions.Exit(1) from None


def _json_usage_error(ctx: click.Context, exc: click.ClickException) -> None:
    """With --json anywhere on the command line, a usage error (exit 2) is the same JSON
    object on stderr as every other error; without it click prints its usage text."""
    if not (wants_json(ctx) or "--json" in ctx.find_root().meta.get("appeals.argv", ())):
        return
    message = exc.format_message()
    _json_error(message, [message], exc.exit_code)
    raise click.exceptions.Exit(exc.exit_code) from None


def _json_error(headline: str, problems: list[str], code: int) -> None:
    """The contract's error object on stderr (docs/cli.md: `{"error", "problems", "exit"}`)."""
    body = {"error": headline, "problems": problems, "exit": code}
    click.echo(json.dumps(body, ensure_ascii=False), err=True)


_COUNT_ONLY = re.compile(r"\d+ problems?")


def report_error(ctx: click.Context, exc: AppealsError) -> None:
    """One line per problem on stderr (plus a summary line when it says more than
    the problems do); with --json one object `{"error", "problems", "exit"}`."""
    problems = [str(p) for p in (getattr(exc, "problems", None) or [str(exc)])]
    headline = str(exc)
    if wants_json(ctx):
        _json_error(headline, problems, exit_code(exc))
        return
    summary = (
        headline not in problems
        and headline != "; ".join(problems)
        and not _COUNT_ONLY.fullmatch(headline)
    )
    if summary:
        click.echo(f"error: {visible(headline, keep_newlines=False)}", err=True)
    for problem in problems:
        line = visible(problem, keep_newlines=False)
        click.echo(f"  {line}" if summary else f"error: {line}", err=True)


def _quiet_stdout() -> None:
    """The reader closed the pipe: point stdout at /dev/null so the final flush at
    exit cannot raise BrokenPipeError again (Python's documented recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _write_crash_log(ctx: click.Context, text: str) -> Path | None:
    """The traceback, for the user only: `crash-LOGIN.log` (0600) in the data dir,
    written through an O_EXCL temp file (a planted symlink is refused, not followed)."""
    from .safe_output import safe_output
    from .services.session import os_login

    folder = Path(opt(ctx, "data_dir") or default_workspace_dir())
    if not folder.is_dir():
        import tempfile

        folder = Path(tempfile.gettempdir())
    log = folder / f"appeals-crash-{os_login()}.log"
    try:
        with safe_output(log, force=True, mode=0o600) as handle:
            handle.write(text)
    except (OSError, AppealsError):
        return None
    return log


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep an option given on the group or the command; a flag typed on the command
    line beats a value click took from the environment, wherever each appears."""
    if value is None or value is False:
        return value
    meta, key = ctx.find_root().meta, f"appeals.{param.name}"
    from_env = ctx.get_parameter_source(param.name) is click.core.ParameterSource.ENVIRONMENT
    if from_env:
        meta.setdefault(key, value)
    else:
        meta[key] = value
        meta[f"{key}.typed"] = True
    return value


def _folder(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A database URL given as --data-dir would become a folder named `postgresql:`
    (click's Path already folded `://` into `:/`, hence the scheme pattern)."""
    if value is not None and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:/", str(value)):
        raise click.BadParameter(
            f"'{value}' looks like a database URL, not a folder; use --database URL "
            "(or $APPEALS_DATABASE_URL) for a team database",
            param_hint="--data-dir",
        )
    return _remember(ctx, param, value)


def common(func: F) -> F:
    """--data-dir, --user and --json, accepted on the group and on every command."""
    func = click.option(
        "--json",
        "as_json",
        is_flag=True,
        default=None,
        expose_value=False,
        callback=_remember,
        help="Print machine-readable JSON.",
    )(func)
    func = click.option(
        "--user",
        "user",
        default=None,
        expose_value=False,
        callback=_remember,
        help="Act as this roster user, one mapped to your OS login "
        "(default: $APPEALS_USER, else the user mapped to your login).",
    )(func)
    func = click.option(
        "--database",
        "database",
        envvar="APPEALS_DATABASE_URL",
        default=None,
        expose_value=False,
        callback=_remember,
        help="PostgreSQL URL of a team database (default: $APPEALS_DATABASE_URL); "
        "without it the workspace folder is used.",
    )(func)
    func = click.option(
        "--data-dir",
        "data_dir",
        envvar="APPEALS_DATA_DIR",
        type=click.Path(path_type=Path),
        default=None,
        expose_value=False,
        callback=_folder,
        help="Workspace folder (default: $APPEALS_DATA_DIR, else the platform's user data dir).",
    )(func)
    return func


def opt(ctx: click.Context, name: str) -> Any:
    return ctx.find_root().meta.get(f"appeals.{name}")


def data_dir(ctx: click.Context) -> Path:
    return Path(opt(ctx, "data_dir") or default_workspace_dir())


def target(ctx: click.Context) -> Path | str:
    """Where the records are: `--database URL` if given, else the workspace folder.
    A `--data-dir` typed on the command line beats `$APPEALS_DATABASE_URL` (a team
    that exports the URL still migrates a folder with `--data-dir DIR migrate`)."""
    url = opt(ctx, "database")
    if url and opt(ctx, "data_dir.typed") and not opt(ctx, "database.typed"):
        url = None
    if url:
        from .services.maintenance import is_url

        if not is_url(url):
            raise click.BadParameter(
                f"'{url}' is not a database URL (postgresql://...)", param_hint="--database"
            )
        return str(url)
    return data_dir(ctx)


def wants_json(ctx: click.Context) -> bool:
    return bool(opt(ctx, "as_json"))


def session(ctx: click.Context) -> Session:
    """Open the workspace and identify the acting user (exit 3 if not on the roster)."""
    from .services.session import Session, open_workspace

    where = target(ctx)
    if not isinstance(where, str):  # a workspace folder's lock (a database has none)
        from .services.maintenance import set_wait_notice

        set_wait_notice(lambda text: click.echo(visible(text, keep_newlines=False), err=True))
    ws = open_workspace(where)
    for warning in getattr(ws, "warnings", ()):  # embedded: loose modes, read-only
        click.echo(f"warning: {visible(warning, keep_newlines=False)}", err=True)
    return Session.open(ws, opt(ctx, "user"))


Human = str | Callable[[], str] | None


def emit(ctx: click.Context, payload: Any, human: Human = None) -> None:
    """JSON (control characters escaped) or human text with controls made visible.

    `human` may be a function: the human text is then built only when it is shown."""
    if wants_json(ctx) or human is None:
        if isinstance(payload, list):  # lists look the same whichever command prints them
            write_json_rows(payload)
        else:
            write_json(payload)
    else:
        click.echo(visible(human() if callable(human) else human))


def emit_rows(ctx: click.Context, rows: Iterable[Any], human: Callable[[], str]) -> None:
    """A long list: with --json streamed as an array, one row per line, as the service
    yields them (see jsonout); otherwise the human text, built only then."""
    if wants_json(ctx):
        write_json_rows(rows)
    else:
        click.echo(visible(human()))


def split_multi(values: tuple[str, ...]) -> list[str]:
    """Repeated options, each possibly comma-separated: --clause CSS-3 --clause KR-1,CSS-1."""
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def parse_factors(values: tuple[str, ...]) -> dict[str, bool]:
    from .domain.guidance import parse_factor_args

    return parse_factor_args(split_multi(values))


def one_line(text: str, width: int = 60) -> str:
    flat = " ".join(visible(text or "", keep_newlines=False).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@click.group(
    cls=AppealsGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@common
@click.version_option(package_name="appeals-tui", prog_name="appeals")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """appeals: record moderation decisions, review appeals, keep decisions consistent.

    Run without a command to open the terminal app.
    """
    if ctx.invoked_subcommand is None:
        from .ui.launch import launch

        launch(target(ctx), opt(ctx, "user"))


def main() -> None:
    try:
        cli(prog_name="appeals")
    except BrokenPipeError:  # raised while flushing after the command ended
        _quiet_stdout()
        sys.exit(0)


def _register() -> None:
    from .commands import register

    register(cli)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
