"""The embedded default: a local SMTP server keeping every message in a Maildir, so mail
sent without credentials is visible afterwards (`<data dir>/mail/new/`), and a copy of
each as an `.eml` file a person opens with a double click (`<data dir>/mail/eml/`, named
by arrival time and subject, so `ls` reads like an inbox)."""

from __future__ import annotations

import email.header
import itertools
import mailbox
import re
import socket
from dataclasses import replace
from datetime import datetime
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from notifier.settings import SmtpSettings
from store.private import private_dir


def free_port() -> int:
    # aiosmtpd's Controller(port=0) cannot work: it connects to its own port to check
    # that it started, so the port must be known before.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


EML_DIR = "eml"
_UNSAFE = re.compile(r"[^\w .,()\[\]-]+")


def _subject(message: Message) -> str:
    try:
        raw = str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))
    except (ValueError, LookupError, UnicodeDecodeError):
        raw = ""
    return " ".join(_UNSAFE.sub(" ", raw).split())[:80] or "thu"


class _MaildirAndEml(Mailbox):
    """aiosmtpd's Maildir handler, also writing each message as an `.eml` file."""

    def __init__(self, maildir: Path) -> None:
        super().__init__(maildir)
        self.eml_dir = maildir / EML_DIR
        self._count = itertools.count(1)

    def handle_message(self, message: Message) -> None:
        super().handle_message(message)
        self.eml_dir.mkdir(parents=True, exist_ok=True)
        stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{next(self._count):04d}"
        (self.eml_dir / f"{stamp} {_subject(message)}.eml").write_bytes(message.as_bytes())


class LocalMailServer:
    def __init__(self, maildir: Path, port: int | None = None) -> None:
        self.maildir = maildir
        self.port = port or free_port()
        private_dir(maildir.parent)
        self._controller = Controller(_MaildirAndEml(maildir), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def settings(self, base: SmtpSettings) -> SmtpSettings:
        """`base` pointed at this server (no TLS, no login: it is loopback only)."""
        return replace(base, host="127.0.0.1", port=self.port, security="none", user="")

    def messages(self) -> list[mailbox.MaildirMessage]:
        return list(mailbox.Maildir(self.maildir, create=False))

    def eml_files(self) -> list[Path]:
        """The `.eml` copies, oldest first."""
        return sorted((self.maildir / EML_DIR).glob("*.eml"))
