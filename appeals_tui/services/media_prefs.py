"""Each moderator's own way of seeing media: blur level, greyscale, media hidden.

Why per user and stored: people who look at difficult images all day differ in
what helps them, and studies found interactive, self-chosen controls help where
a fixed filter for everyone does not. A reveal is deliberately *not* a
preference: it lasts for one image and never carries over to the next case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from ..domain.errors import ValidationError
from .permissions import require_role
from .session import Session

__all__ = ["MediaPrefs", "BLUR_LEVELS", "get_prefs", "set_prefs"]

#: 0 = sharp, 3 = heaviest; the default is a blur strong enough to hide detail
BLUR_LEVELS = range(0, 4)
_TABLE = "media_prefs"


@dataclass(frozen=True)
class MediaPrefs:
    blur: int = 2
    greyscale: bool = False
    hidden: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def get_prefs(session: Session) -> MediaPrefs:
    doc = session.ws.get(_TABLE, session.actor)
    if doc is None:
        return MediaPrefs()
    return MediaPrefs(
        blur=int(doc.get("blur", 2)),
        greyscale=bool(doc.get("greyscale", False)),
        hidden=bool(doc.get("hidden", False)),
    )


def set_prefs(
    session: Session,
    *,
    blur: int | None = None,
    greyscale: bool | None = None,
    hidden: bool | None = None,
) -> MediaPrefs:
    """Change the acting user's own preferences (nobody sets another's)."""
    require_role(session, "read", "set media preferences")
    if blur is not None and blur not in BLUR_LEVELS:
        raise ValidationError(f"blur: {blur} is not a level from 0 (sharp) to 3 (heaviest)")
    current = get_prefs(session)
    new = replace(
        current,
        blur=current.blur if blur is None else blur,
        greyscale=current.greyscale if greyscale is None else greyscale,
        hidden=current.hidden if hidden is None else hidden,
    )
    if new == current:
        return current
    with session.ws.transaction(session.actor) as txn:
        doc = {"user": session.actor, **new.to_dict(), "updated_at": session.now_iso()}
        if txn.get(_TABLE, session.actor) is None:
            txn.insert(_TABLE, session.actor, doc)
        else:
            txn.update(_TABLE, session.actor, doc)
        txn.event("media_prefs.changed", f"user:{session.actor}", new.to_dict())
    return new
