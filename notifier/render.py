"""From an outbox payload to the words a person reads, in their language.

Workflows queue structured data (`workflows.deadline_state.notification_payload`); this
module turns it into a subject, plain text, HTML and a chat message through the Jinja
templates in `notifier/templates/<lang>/<kind>.j2` (macros `subject`, `text`, `html`,
`chat`). Dates are formatted by babel ("Thứ Hai, 16/06/2025"), times are local to the
calendar (Asia/Ho_Chi_Minh by default). Strings outside messages (button labels, bot
answers) are in `notifier/templates/<lang>/strings.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_datetime

from deadlines import present
from deadlines.plan import due_vi
from notifier.digest import digest_facts

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("vi", "en")
DEFAULT_TZ = "Asia/Ho_Chi_Minh"

KINDS = (
    "reminder",
    "escalation",
    "receipt",
    "extension_requested",
    "extension_decided",
    "excused",
    "link",
    "channel_disabled",
    "quarantined",
    "digest",
    "invitation",
    "password_reset",
    "zalo_stranded",
)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    chat: str
    language: str


@dataclass(frozen=True, slots=True)
class Context:
    """What the renderer adds to the payload: who reads it, and the links to show."""

    person_name: str
    language: str = "vi"
    timezone: str = DEFAULT_TZ
    token: str = ""
    submit_url: str = ""
    reference: str = ""
    dashboard_url: str = ""
    """The dashboard's address (HANCHOT_PUBLIC_URL), for links to act on a message."""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


class _Details(dict[str, Any]):
    """A payload's `details`: optional by nature, so a missing key reads as None."""

    def __missing__(self, key: str) -> None:
        return None


def language_of(wanted: str | None) -> str:
    return wanted if wanted in LANGUAGES else "vi"


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )
    return env


@cache
def strings(language: str) -> dict[str, Any]:
    """The language's strings.toml (button labels, bot answers), vi filling any gap."""
    base = tomllib.loads((TEMPLATES / "vi" / "strings.toml").read_text(encoding="utf-8"))
    if language == "vi":
        return base
    own = tomllib.loads((TEMPLATES / language / "strings.toml").read_text(encoding="utf-8"))
    return {**base, **own}


def text(language: str, key: str, **values: object) -> str:
    return str(strings(language_of(language))[key]).format(**values)


def day(value: date, language: str) -> str:
    """ "Thứ Hai, 16/06/2025" (vi, the words of deadlines.present) or "Monday, 16/06/2025"."""
    if language_of(language) == "vi":
        return present.day_text(value)
    return format_date(value, "EEEE, dd/MM/yyyy", locale=language_of(language))


def short_day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def instant(value: datetime, tz: str, language: str) -> str:
    """ "16/06/2025 08:00" in the calendar's time zone."""
    return format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=ZoneInfo(tz), locale=language)


def _iso_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def facts(payload: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Template variables from a payload: every date already formatted."""
    lang = language_of(ctx.language)
    tz = ZoneInfo(ctx.timezone)
    legal_end = _iso_date(payload.get("legal_end"))
    window = payload.get("data_window")
    details = _Details(payload.get("details") or {})
    due_at = _iso_instant(payload.get("due_at"))
    days_left = None
    if legal_end is not None:
        days_left = present.days_left(legal_end, ctx.now.astimezone(tz).date())
    for key in ("new_last_day",):
        if details.get(key):
            details[key + "_text"] = day(date.fromisoformat(details[key]), lang)
    for key in ("due_at", "submitted_at", "reminder_at"):
        if details.get(key):
            details[key + "_text"] = instant(
                datetime.fromisoformat(details[key]), ctx.timezone, lang
            )
    return {
        **payload,
        "details": details,
        "person_name": ctx.person_name,
        "language": lang,
        "due_rule": due_vi(payload.get("due_text") or "")
        if lang == "vi"
        else payload.get("due_text"),
        "legal_end_text": day(legal_end, lang) if legal_end else "",
        "due_at_text": instant(due_at, ctx.timezone, lang) if due_at else "",
        "days_left": days_left,
        "data_window_text": (
            " – ".join(short_day(date.fromisoformat(d)) for d in window) if window else ""
        ),
        "submit_url": ctx.submit_url,
        "dashboard_url": ctx.dashboard_url,
        "receiver_text": _receiver_text(payload, lang),
        "asked_by": payload.get("asked_by"),
        "asked_anchor": payload.get("asked_anchor") or "",
        "asked_due_text": payload.get("asked_due_text") if lang == "vi" else None,
        "step_text": present.step_text(str(payload.get("step") or "")),
        "tag": f"[HC-{ctx.token}]" if ctx.token else "",
        "reference": ctx.reference,
        "channel_label": strings(lang).get(f"channel_{payload.get('affected_channel')}", ""),
    }


def _receiver_text(payload: dict[str, Any], language: str = "vi") -> str:
    """ "Sở Nội vụ — liên hệ: Nguyễn Văn A (0912 345 678, a@x.vn)": whom to call about it."""
    name = payload.get("receiver_name")
    if not name:
        return ""
    people = []
    for person in payload.get("receiver_contacts") or []:
        reach = ", ".join(
            a for a in (person.get("phone"), person.get("email"), person.get("telegram")) if a
        )
        people.append(f"{person['name']} ({reach})" if reach else person["name"])
    word = "liên hệ" if language == "vi" else "contact"
    return f"{name} — {word}: {'; '.join(people)}" if people else str(name)


def render(kind: str, payload: dict[str, Any], ctx: Context) -> Rendered:
    if kind not in KINDS:
        raise ValueError(f"no template for notification kind {kind!r}")
    lang = language_of(ctx.language)
    # A reminder of a campaign with no result report (the only cycle without a due rule)
    # announces the campaign: it must not say a report is due.
    name = "announcement" if kind == "reminder" and not payload.get("due_text") else kind
    template = _env().get_template(f"{lang}/{name}.j2")
    if kind == "digest":
        variables = {
            **digest_facts(payload, lang),
            "person_name": ctx.person_name,
            "language": lang,
            "reference": ctx.reference,
            "dashboard_url": ctx.dashboard_url,
        }
    else:
        variables = facts(payload, ctx)
    module = template.make_module(vars=variables)
    subject = " ".join(str(module.subject()).split())
    return Rendered(
        subject=subject,
        text=_tidy(str(module.text())),
        html=str(module.html()).strip(),
        chat=_tidy(str(module.chat())),
        language=lang,
    )


def _tidy(value: str) -> str:
    """No trailing spaces, at most one blank line in a row, a final newline."""
    lines = [line.rstrip() for line in value.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
