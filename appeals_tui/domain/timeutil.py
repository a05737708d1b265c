"""Timestamps: always timezone-aware, stored as ISO 8601 with offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["parse_ts", "iso", "utcnow", "days_between"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_ts(value: str) -> datetime:
    """Parse ISO 8601 that carries an offset; naive timestamps are refused (ambiguous)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("timestamp needs a UTC offset, e.g. 2026-10-02T09:14:00+09:00")
    return parsed


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def days_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier) / timedelta(days=1)
