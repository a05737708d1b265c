"""The notice to the affected user: rendered from the record, editable, then sent or not.

The body is edited in a TextArea (literal text, never markup). "Don't send"
needs a reason; either choice is recorded by `services.notices.send_notice`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Header, Input, Label, Select, Static, TextArea

from ...domain.models import NoticeRecord
from ...services.notices import NoticeDraft, notice_draft, send_notice
from ..base import AppealsScreen
from ..keys import Key
from ..services import error_text
from ..text import content
from ..widgets.footer import AppFooter

__all__ = ["NoticeScreen", "review_notices"]


class NoticeScreen(AppealsScreen):
    """Notice for one decision or one appeal outcome."""

    CSS_PATH = "notice.tcss"
    HELP_TITLE = "Notice to the user"
    HELP_TEXT = (
        "The notice is generated from the record: content, action, clause text of the version "
        "applied, reasoning, how it was detected, and how to appeal. Edit it, send it, or record "
        "why it is not sent (type the reason, then enter). Private notes are never included."
    )
    BINDINGS = [
        Binding("escape", "back", "Back", id="notice-back", tooltip="Close the notice"),
        Key(
            "ctrl+s",
            "send",
            "Send",
            id="notice-send",
            tooltip="Record the notice as sent",
            palette="Send notice",
            palette_help="Record the notice as sent",
        ),
        Binding(
            "ctrl+r",
            "rerender",
            "Re-render",
            id="notice-rerender",
            tooltip="Discard edits and render again",
        ),
    ]
    #: palette entries with no key (those with a key are declared with it above)
    PALETTE_ONLY = [
        ("Don't send notice", "Record that it is not sent (reason required)", "dont_send"),
    ]

    def __init__(
        self, decision_id: str | None = None, appeal_id: str | None = None, *, step: str = ""
    ) -> None:
        super().__init__()
        self.decision_id = decision_id
        self.appeal_id = appeal_id
        #: Where this notice stands in a series (e.g. "2 of 5" after a batch), shown in the title.
        self.step = step
        self.draft: NoticeDraft | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="notice-body"):
            with Horizontal(id="notice-choices"):
                yield Select([], prompt="template", id="notice-template")
                yield Select(
                    [("English", "en"), ("한국어", "ko")], prompt="language", id="notice-lang"
                )
            yield Static(id="notice-subject")
            yield TextArea(id="notice-text", soft_wrap=True)
            yield Static(id="notice-error", classes="error-box")
            with Horizontal(id="notice-actions"):
                yield Button("Send", id="notice-send-btn", variant="primary")
                yield Input(
                    placeholder="reason for not sending (enter: don't send)", id="notice-reason"
                )
                yield Button("Don't send", id="notice-dont-btn", variant="warning")
            yield Label("Recorded notices", classes="section-title")
            yield Static(id="notice-log")
        yield AppFooter()

    def on_mount(self) -> None:
        self.render_notice()

    def render_notice(self, template: str | None = None, lang: str | None = None) -> None:
        """Render the notice with this template and language (in a worker)."""
        self.call(
            notice_draft,
            self.session,
            self.decision_id,
            self.appeal_id,
            template,
            lang,
            done=self._show,
            failed=self._failed,
            group="notice",
        )

    def _show(self, draft: NoticeDraft) -> None:
        """Show a rendered notice (subject, editable body) with its template, language and log."""
        self.draft = draft
        notice = draft.notice
        self.sub_title = f"notice · {notice.appeal_id or notice.decision_id}" + (
            f" · {self.step}" if self.step else ""
        )
        template = self.query_one("#notice-template", Select)
        with self.prevent(Select.Changed):
            template.set_options([(name, name) for name in draft.templates])
            template.value = notice.template
            self.query_one("#notice-lang", Select).value = notice.lang
        self.query_one("#notice-subject", Static).update(content(f"Subject: {notice.subject}"))
        self.query_one("#notice-text", TextArea).text = notice.body
        self._show_log(draft.log)

    def _show_log(self, log: list[NoticeRecord]) -> None:
        """The notices already recorded for this decision or appeal."""
        rows = [f"{n.notice_id} {n.at[:16]} {n.by} {n.template}.{n.lang} {n.state}" for n in log]
        self.query_one("#notice-log", Static).update(content("\n".join(rows) or "none yet"))

    def _failed(self, exc: BaseException) -> None:
        """Show why rendering or recording failed, in place."""
        box = self.query_one("#notice-error", Static)
        box.update(content(error_text(exc)))
        box.add_class("-visible")

    @on(Select.Changed)
    def _choice_changed(self) -> None:
        """Render again when the template or language changes."""
        if self.draft is None:
            return
        template = self.query_one("#notice-template", Select).value
        lang = self.query_one("#notice-lang", Select).value
        self.render_notice(
            template if isinstance(template, str) else None,
            lang if isinstance(lang, str) else None,
        )

    def action_rerender(self) -> None:
        self._choice_changed()

    def action_back(self) -> None:
        self.dismiss(None)  # dismiss, not pop: a series of notices continues from the callback

    def _record(self, send: bool) -> None:
        """Record the notice sent (with any edit) or not sent with the reason given."""
        if self.draft is None:
            return
        self.query_one("#notice-error", Static).remove_class("-visible")
        notice = self.draft.notice
        body = self.query_one("#notice-text", TextArea).text
        self.call(
            send_notice,
            self.session,
            None if self.appeal_id else self.decision_id,
            self.appeal_id,
            notice.template,
            notice.lang,
            body_override=body if body != notice.body else None,
            send=send,
            reason=self.query_one("#notice-reason", Input).value,
            done=self._recorded,
            failed=self._failed,
            writes=True,
        )

    def _recorded(self, record: NoticeRecord) -> None:
        """Say what was recorded and add it to the log (unless the notice was closed meanwhile)."""
        what = "sent" if record.sent else "recorded as not sent"
        self.notify(f"{record.notice_id} {what}", title="Notice")
        if self.draft is None:  # the notice was closed while saving
            return
        self.draft = replace(self.draft, log=[*self.draft.log, record])
        self._show_log(self.draft.log)

    @on(Button.Pressed, "#notice-send-btn")
    def action_send(self) -> None:
        self._record(True)

    @on(Button.Pressed, "#notice-dont-btn")
    @on(Input.Submitted, "#notice-reason")
    def action_dont_send(self) -> None:
        self._record(False)


def review_notices(app: App[Any], decision_ids: list[str]) -> None:
    """Open the notices of several decisions one after another; escape moves to the next."""
    total = len(decision_ids)

    def show(index: int) -> None:
        """Open the next notice of the series when the previous one closes."""
        if index < total:
            screen = NoticeScreen(decision_id=decision_ids[index], step=f"{index + 1} of {total}")
            app.push_screen(screen, lambda _: show(index + 1))

    show(0)
