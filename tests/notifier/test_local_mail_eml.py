"""The embedded default's local SMTP server keeps every message twice: in its Maildir (read
by the tests and the tools) and as an `.eml` file a person opens, named by its subject."""

from __future__ import annotations

import email
import smtplib
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from notifier.email.local import LocalMailServer


def test_each_message_is_also_an_eml_file_named_by_its_subject(tmp_path: Path) -> None:
    server = LocalMailServer(tmp_path / "mail")
    server.start()
    try:
        for n, subject in enumerate(["Nhắc hạn nộp: Báo cáo 6 tháng / xã A", "Đôn đốc lần 2"]):
            message = EmailMessage()
            message["From"] = "hanchot <hanchot@localhost>"
            message["To"] = f"dau-moi-{n}@xa.example"
            message["Subject"] = subject
            message.set_content(f"Kính gửi đầu mối {n},\nhạn cuối hết ngày 09/06/2025.\n")
            with smtplib.SMTP("127.0.0.1", server.port) as smtp:
                smtp.send_message(message)
    finally:
        server.stop()
    assert len(server.messages()) == 2
    files = server.eml_files()
    assert [f.name.split(" ", 1)[1] for f in files] == [
        "Nhắc hạn nộp Báo cáo 6 tháng xã A.eml",
        "Đôn đốc lần 2.eml",
    ]
    read = email.message_from_bytes(files[0].read_bytes(), policy=default)
    assert read["Subject"] == "Nhắc hạn nộp: Báo cáo 6 tháng / xã A"
    assert "hạn cuối hết ngày 09/06/2025" in read.get_body().get_content()  # type: ignore[union-attr]
