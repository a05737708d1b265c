"""CLI command groups, one module per area; `register()` attaches them to the root group."""

from __future__ import annotations

import click

__all__ = ["register"]


def register(cli: click.Group) -> None:
    from . import (
        appeals,
        bench,
        cases,
        decisions,
        leads,
        media,
        migrate,
        networks,
        notices,
        policy,
        records,
        rereview,
        strikes,
        workspace,
    )

    for module in (
        workspace,
        cases,
        decisions,
        appeals,
        records,
        notices,
        strikes,
        leads,
        networks,
        policy,
        rereview,
        bench,
        media,
        migrate,
    ):
        module.register(cli)
    from .completion import install

    install(cli)  # last: completes the parameters every module above declared
