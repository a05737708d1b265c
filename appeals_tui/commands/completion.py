"""Shell completion for bash, zsh and fish through click's own support.

click already completes commands, options and `Choice` values; this adds the values
it cannot know: actions, factor answers and case statuses from the domain, clause ids
from the policy library, and case/decision/appeal ids from the workspace. Ids come from
the workspace's id counters read straight off its files (`store.peek`), so completing
stays fast at 100k cases. Values are attached by parameter name after every command is
registered, so command modules need no changes.

Enable: `eval "$(_APPEALS_COMPLETE=bash_source appeals)"` (zsh_source, fish_source).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

__all__ = ["install", "LIMIT"]

#: At most this many ids are offered, newest first: more is noise in a shell.
LIMIT = 200

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _matching(values: Iterable[str], incomplete: str) -> list[CompletionItem]:
    low = incomplete.lower()
    return [CompletionItem(v) for v in values if v.lower().startswith(low)]


def _workspace(ctx: click.Context) -> Path:
    from ..cli import data_dir

    return data_dir(ctx)


def _ids(prefix: str) -> Completer:
    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from ..services.maintenance import id_counters

        highest = id_counters(_workspace(ctx)).get(prefix, 0)
        text = incomplete.strip().upper()
        digits = text.isdigit()
        out: list[CompletionItem] = []
        for n in range(highest, 0, -1):
            ident = f"{prefix}-{n:06d}"
            if (
                (str(n).startswith(text) or ident.startswith(text))
                if digits
                else ident.startswith(text)
            ):
                out.append(CompletionItem(ident))
                if len(out) >= LIMIT:
                    break
        return out

    return complete


def _clauses(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from ..services.session import load_default

    library = load_default()
    head, _, last = incomplete.rpartition(",")  # --clause CSS-3,KR-1
    lead = f"{head}," if head else ""
    return [
        CompletionItem(lead + c.id, help=c.title)
        for c in library.all_latest()
        if c.id.lower().startswith(last.lower())
    ]


def _actions(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from ..domain.models import Action

    return _matching((a.value for a in Action), incomplete)


def _statuses(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from ..domain.models import CaseStatus

    return _matching((s.value for s in CaseStatus), incomplete)


def _factors(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from ..domain.models import FACTORS

    return _matching((f"{f}={answer}" for f in FACTORS for answer in ("yes", "no")), incomplete)


#: parameter name -> completer (Choice parameters complete themselves).
BY_NAME: dict[str, Completer] = {
    "case_id": _ids("C"),
    "decision_id": _ids("D"),
    "appeal_id": _ids("A"),
    "clauses": _clauses,
    "clause": _clauses,
    "action": _actions,
    "factors": _factors,
    "status": _statuses,
}


def _walk(command: click.Command) -> Iterable[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _walk(sub)


def install(root: click.Group) -> None:
    """Attach completers to every command's parameters by name."""
    for command in _walk(root):
        for param in command.params:
            completer = BY_NAME.get(param.name or "")
            if completer is None or isinstance(param.type, click.Choice):
                continue
            param._custom_shell_complete = completer  # what click's shell_complete= sets
