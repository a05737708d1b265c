"""A click group whose first word may be an id instead of a subcommand.

`appeals notice D-000001` and `appeals notice send D-000001` both work: a first
argument that names no subcommand is handed to the group's default command.
"""

from __future__ import annotations

from typing import Any

import click

__all__ = ["DefaultGroup"]


class DefaultGroup(click.Group):
    """Routes `GROUP ID ...` to the `default_command`, keeping real subcommands working."""

    def __init__(self, *args: Any, default_command: str, **kwargs: Any) -> None:
        kwargs.setdefault("invoke_without_command", True)
        super().__init__(*args, **kwargs)
        self.default_command = default_command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return self.default_command, self.commands[self.default_command], args
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[ID] [OPTIONS] | COMMAND [ARGS]...")
