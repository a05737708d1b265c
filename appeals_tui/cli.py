"""Command line over the services: argument parsing, output, exit codes. No rules here.

Exit codes (DESIGN.md): 0 ok, 1 invalid input or state, 2 usage, 3 permission
denied, 4 conflict. Errors are one line on stderr; never a traceback.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from .domain.errors import AppealsError
from .domain.text import visible
from .jsonout import ReaderGone, write_json, write_json_rows
from .paths import default_workspace_dir

__all__ = ["cli", "main"]


class AppealsGroup(click.Group):
    """Turns service errors into one stderr line and the contract's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AppealsError as exc:
            problems = getattr(exc, "problems", None) or [str(exc)]
            headline = len(problems) > 1 or str(exc) not in problems
            if headline:
                click.echo(f"error: {visible(str(exc), keep_newlines=False)}", err=True)
            for problem in problems:
                line = visible(problem, keep_newlines=False)
                click.echo(line if headline else f"error: {line}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except ReaderGone:  # `| head` stopped reading: not an error, nothing more to say
            raise click.exceptions.Exit(0) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks for users
            log = Path(tempfile.gettempdir()) / "appeals-crash.log"
            try:
                log.write_text(traceback.format_exc(), encoding="utf-8")
            except OSError:
                pass
            click.echo(
                f"error: internal error ({type(exc).__name__}: {exc}); details in {log}", err=True
            )
            raise click.exceptions.Exit(1) from None


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
    return value


def common(func):
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
        "--data-dir",
        "data_dir",
        envvar="APPEALS_DATA_DIR",
        type=click.Path(path_type=Path),
        default=None,
        expose_value=False,
        callback=_remember,
        help="Workspace folder (default: $APPEALS_DATA_DIR, else the platform's user data dir).",
    )(func)
    return func


def opt(ctx: click.Context, name: str) -> Any:
    return ctx.find_root().meta.get(f"appeals.{name}")


def data_dir(ctx: click.Context) -> Path:
    return Path(opt(ctx, "data_dir") or default_workspace_dir())


def wants_json(ctx: click.Context) -> bool:
    return bool(opt(ctx, "as_json"))


def session(ctx: click.Context):
    """Open the workspace and identify the acting user (exit 3 if not on the roster)."""
    from .services.session import Session, open_workspace

    ws = open_workspace(data_dir(ctx))
    for warning in ws.warnings:
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

        launch(data_dir(ctx), opt(ctx, "user"))


def main() -> None:
    cli(prog_name="appeals")


def _register() -> None:
    from .commands import register

    register(cli)


_register()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
