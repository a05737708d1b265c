"""Typed errors raised by services; the UI shows them, the CLI maps them to exit codes
(`appeals_tui.cli.EXIT_CODES`: what a type means to a shell is the CLI's business)."""

from __future__ import annotations

__all__ = [
    "AppealsError",
    "ValidationError",
    "PermissionDenied",
    "ConflictError",
    "NotFound",
    "StoreError",
]


class AppealsError(Exception):
    """Base of every error a user may see."""


class ValidationError(AppealsError):
    """Input or state is not acceptable; `problems` lists each one (field: problem)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class NotFound(AppealsError):
    """A referenced case, decision, appeal, user or clause does not exist."""


class PermissionDenied(AppealsError):
    """The acting user may not do this (unknown user, wrong role, own decision)."""


class ConflictError(AppealsError):
    """Someone else changed the record first (stale version or claimed by another)."""


class StoreError(AppealsError):
    """The workspace on disk is missing, locked too long or damaged."""
