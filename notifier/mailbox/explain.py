"""What hanchot would do with one email and why, for `hanchot mail explain`: the deadline
it matches (by token or thread), whether it is automatic, the sender's trust, the files
taken and left with their reasons, the document number, the outcome. Read-only: it
looks the deadline up in the store and judges as the poller would, and changes nothing.

The wording is `templates/vi/mail.toml`; the JSON form has the same facts by key.
"""

from __future__ import annotations

from typing import Any

from deadlines.vi import fmt_count
from notifier.mailbox.apply import Target, Verdict
from notifier.mailbox.parse import Reply
from notifier.mailbox.wording import left_reason, strings


def facts(
    reply: Reply, target: Target | None, verdict: Verdict, authserv_id: str
) -> dict[str, Any]:
    """The explanation as data (`--json`)."""
    return {
        "ref": reply.ref,
        "sender": reply.sender,
        "subject": reply.subject,
        "automatic": reply.automatic,
        "automatic_mark": reply.automatic_why or None,
        "token": reply.token,
        "matched_by": None if target is None else ("token" if reply.token else "thread"),
        "deadline": None
        if target is None
        else {
            "workflow_id": target.workflow_id,
            "obligation": target.obligation_name,
            "period": target.period_label,
            "unit": target.unit_name,
        },
        "focal_point": bool(target and reply.sender in target.focal_points),
        "authserv_id": authserv_id or None,
        "document_number": reply.document_number,
        "written": reply.body,
        "taken": [
            {"file_name": p.file_name, "content_type": p.content_type, "size": len(p.data)}
            for p in reply.attachments
        ],
        "left": [
            {
                "file_name": i.file_name,
                "content_type": i.content_type,
                "size": i.size,
                "why": i.why,
                "reason": left_reason(i),
            }
            for i in reply.left
        ],
        "outcome": verdict.outcome.value,
        "reason": verdict.reason or None,
        "reason_class": verdict.why or None,
    }


def describe(f: dict[str, Any]) -> str:
    """The explanation in Vietnamese, one fact a line."""
    s = strings()["explain"]
    lines = [s["title"].format(ref=f["ref"]), s["sender"].format(sender=f["sender"])]
    lines.append(s["subject"].format(subject=f["subject"]))
    if f["automatic"]:
        lines.append(s["automatic"].format(mark=f["automatic_mark"]))
    if f["deadline"]:
        d = f["deadline"]
        lines.append(
            s["deadline"].format(obligation=d["obligation"], period=d["period"], unit=d["unit"])
        )
        if f["matched_by"] == "thread":
            lines.append(s["deadline_by_thread"])
        if f["focal_point"]:
            lines.append(s["trust_focal"])
    else:
        lines.append(s["no_deadline"])
    if f["authserv_id"]:
        lines.append(s["trust_auth"].format(authserv_id=f["authserv_id"]))
    else:
        lines.append(s["trust_from"])
    if f["document_number"]:
        lines.append(s["number"].format(number=f["document_number"]))
    else:
        lines.append(s["no_number"])
    if f["taken"]:
        lines.append(s["taken"].format(count=len(f["taken"])))
        for p in f["taken"]:
            lines.append(s["file"].format(name=p["file_name"], size=fmt_count(p["size"])))
    else:
        lines.append(s["taken_none"])
    if f["left"]:
        lines.append(s["left"].format(count=len(f["left"])))
        for i in f["left"]:
            lines.append(
                s["file_left"].format(
                    name=i["file_name"], size=fmt_count(i["size"]), why=i["reason"]
                )
            )
    if f["outcome"] == "applied":
        lines.append(s["applied"])
    else:
        lines.append(s["quarantined"].format(reason=f["reason"]))
    if f["written"]:
        lines.append(s["written"])
        lines += ["  " + line for line in f["written"].splitlines()[:20]]
    lines.append(s["unchanged"])
    return "\n".join(lines)
