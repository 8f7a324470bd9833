"""A private Dovecot IMAP server on loopback for one test: its own config, port, users
and mail directory, started in the foreground and stopped by its process id.

Dovecot comes from Debian's packages (`.ci/dovecot.sh`; `$HANCHOT_TEST_DOVECOT` names the
binary). Without it the tests skip, except where `HANCHOT_REQUIRE_DOVECOT=1` (CI), where
they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from notifier.email.local import free_port

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
"""


@dataclass(frozen=True)
class Imap:
    host: str
    port: int
    user: str
    password: str

    def append(self, raw: bytes, mailbox: str = "INBOX") -> None:
        client = imaplib.IMAP4(self.host, self.port)
        try:
            client.login(self.user, self.password)
            client.append(mailbox, None, None, raw)
        finally:
            client.logout()

    def flags(self, mailbox: str = "INBOX") -> list[bytes]:
        client = imaplib.IMAP4(self.host, self.port)
        try:
            client.login(self.user, self.password)
            client.select(mailbox)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [d for d in data if d]
        finally:
            client.logout()


def dovecot_binary() -> str:
    found = os.environ.get("HANCHOT_TEST_DOVECOT") or shutil.which("dovecot")
    if found:
        return found
    message = "IMAP tests need Dovecot (run .ci/dovecot.sh)"
    if os.environ.get("HANCHOT_REQUIRE_DOVECOT") == "1" or os.environ.get("CI"):
        pytest.fail(message + "; CI forbids skipping them")
    pytest.skip(message)


def _accounts() -> tuple[str, str, int, int]:
    """Who runs what: Debian's dovecot/dovenull users as root, else the current user."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot")
        return "dovecot", "dovenull", mail.pw_uid, mail.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, me.pw_uid, grp.getgrgid(os.getegid()).gr_gid


@contextmanager
def dovecot(user: str = "hopthu", password: str = "mat-khau-imap") -> Iterator[Imap]:
    binary = dovecot_binary()
    root = Path(tempfile.mkdtemp(prefix="hanchot-dovecot-"))
    root.chmod(0o755)
    internal, login, uid, gid = _accounts()
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", uid, gid)
    (root / "users").write_text(f"{user}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
    port = free_port()
    config = CONFIG.format(root=root, internal=internal, login=login, port=port, uid=uid, gid=gid)
    (root / "dovecot.conf").write_text(config, encoding="utf-8")
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (root / "dovecot.log").read_text(errors="replace")
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.05)
        yield Imap("127.0.0.1", port, user, password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
