"""A case view read ahead (the queue's top case), handed to the case screen that opens it.

Why: right after its first page the queue reads the top case's view in a worker, so a
process's first case does not pay for opening index files and caches. Opening that case
then read the view a second time, behind the first (service calls take turns): on
PostgreSQL at 1M decisions ~0.2-0.4 s of the first case's wait. The case screen takes
the view read ahead instead, when no change was seen since (else it reads afresh).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..services.case_view import CaseView

__all__ = ["WarmView"]

#: what the waiting case screen is given: the view (None: read it yourself)
Deliver = Callable[[CaseView | None], None]


@dataclass
class WarmView:
    """One case's view being read ahead; used once. All calls on the UI thread."""

    case_id: str
    #: the app's change counter when the read finished (see `AppealsApp.change_count`)
    counter: int | None = None
    view: CaseView | None = None
    finished: bool = False
    waiting: Deliver | None = None

    def ready(self, view: CaseView | None, counter: int | None) -> None:
        """The read ended (`view` None: it failed); a screen waiting for it gets it."""
        self.view, self.counter, self.finished = view, counter, True
        if self.waiting is not None:
            deliver, self.waiting = self.waiting, None
            deliver(view)

    def take(self, counter: int | None, deliver: Deliver) -> bool:
        """Hand the view to `deliver` now or when the read ends; False if it is of no use
        (read before the last change the app saw, or failed): read afresh then."""
        if not self.finished:
            self.waiting = deliver
            return True
        if self.view is None or self.counter != counter:
            return False
        deliver(self.view)
        return True
