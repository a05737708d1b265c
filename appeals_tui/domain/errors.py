"""Typed errors raised by services; the UI shows them, the CLI maps them to exit codes."""

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
    """Base of every error a user may see. `exit_code` is the CLI's exit status."""

    exit_code = 1


class ValidationError(AppealsError):
    """Input or state is not acceptable; `problems` lists each one (field: problem)."""

    exit_code = 1

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class NotFound(AppealsError):
    """A referenced case, decision, appeal, user or clause does not exist."""

    exit_code = 1


class PermissionDenied(AppealsError):
    """The acting user may not do this (unknown user, wrong role, own decision)."""

    exit_code = 3


class ConflictError(AppealsError):
    """Someone else changed the record first (stale version or claimed by another)."""

    exit_code = 4


class StoreError(AppealsError):
    """The workspace on disk is missing, locked too long or damaged."""

    exit_code = 1
