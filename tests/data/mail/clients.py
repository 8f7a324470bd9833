"""Corpus replies of each common client: Gmail, Outlook (TNEF, Windows-1258), Thunderbird,
Apple Mail and mobile clients, each with the outcome expected."""

# ruff: noqa: E501, F403, F405

from __future__ import annotations

import unicodedata

from shapes import *


def build_clients() -> None:
    # --- Gmail ---------------------------------------------------------------------
    text = (
        f"Kính gửi Văn phòng,\nĐơn vị gửi Báo cáo số 12/BC-SYT.\n\n{GMAIL_EN}\n{quoted(REMINDER)}\n"
    )
    markup = (
        '<div dir="ltr">Kính gửi Văn phòng,<br>Đơn vị gửi Báo cáo số 12/BC-SYT.</div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Dec 1, 2026 at 8:00 AM '
        'Hệ thống hạn chót wrote:<br></div><blockquote class="gmail_quote">'
        + REMINDER.replace("\n", "<br>")
        + "</blockquote></div>"
    )
    add(
        "gmail-en-reply-pdf.eml",
        head()
        + multi(
            "mixed",
            multi("alternative", plain(text), html(markup)),
            file("Báo cáo 6 tháng.pdf", "application/pdf", PDF),
        ),
        ok("12/BC-SYT", ["Báo cáo 6 tháng.pdf"]),
    )
    text = f"Đơn vị xin gửi báo cáo 13/BC-SYT ạ.\n\n{GMAIL_VI}\n\n{quoted(REMINDER)}\n"
    add(
        "gmail-vi-wrapped-attribution.eml",
        head()
        + multi(
            "mixed",
            plain(text),
            file(
                "bao-cao.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                DOCX,
            ),
        ),
        ok("13/BC-SYT", ["bao-cao.docx"]),
    )
    text = (
        "Gửi lại báo cáo 14/BC-SYT theo thư dưới.\n\n---------- Thư đã chuyển tiếp ---------\n"
        f"Từ: {SYSTEM}\nDate: Th 2, 1 thg 12, 2026 lúc 08:00\nSubject: {SUBJECT}\n"
        f"To: {FOCAL}\n\n{REMINDER}"
    )
    add(
        "gmail-vi-forward.eml",
        head(subject=f"Fwd: {SUBJECT}")
        + multi("mixed", plain(text), file("báo cáo.pdf", "application/pdf", PDF)),
        ok("14/BC-SYT", ["báo cáo.pdf"]),
    )
    text = (
        "Please find attached report 15/BC-SYT.\n\n---------- Forwarded message ---------\n"
        f"From: {SYSTEM}\nDate: Mon, Dec 1, 2026 at 8:00 AM\nSubject: {SUBJECT}\n\n{REMINDER}"
    )
    add(
        "gmail-en-forward.eml",
        head(subject=f"Fwd: {SUBJECT}")
        + multi("mixed", plain(text), file("report.pdf", "application/pdf", PDF)),
        ok("15/BC-SYT", ["report.pdf"]),
    )
    text = f"{GMAIL_EN}\n{quoted(REMINDER)}\n\nĐã nộp, số 20/BC-SYT.\n"
    add(
        "gmail-below-the-quote.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("20/BC-SYT", ["bc.pdf"]),
    )
    text = f"Em gửi báo cáo ạ.\n\n{GMAIL_EN}\n{quoted(REMINDER)}\n"
    add(
        "gmail-without-a-number.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok(None, ["bc.pdf"]),
    )

    # --- Outlook ---------------------------------------------------------------------
    text = f"Kính gửi,\nSở Y tế gửi báo cáo số 21/BC-SYT.\n\n{OUTLOOK_VI}\n\n{REMINDER}"
    add(
        "outlook-vi-tnef-cp1258.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed",
            plain(text, "windows-1258", "quoted-printable"),
            file("winmail.dat", "application/ms-tnef", tnef([("Báo cáo 6 tháng.pdf", PDF)])),
        ),
        ok("21/BC-SYT", ["Báo cáo 6 tháng.pdf"]),
    )
    text = f"Dear Office,\nReport 22/BC-SYT attached.\n\n-----Original Message-----\n{OUTLOOK_EN}\n\n{REMINDER}"
    markup = (
        '<p>Dear Office,<br>Report 22/BC-SYT attached.</p><p><img src="cid:image001.png@01DB1234.5678">'
        '</p><div id="divRplyFwdMsg">' + OUTLOOK_EN.replace("\n", "<br>") + "</div>" + REMINDER
    )
    add(
        "outlook-en-signature-logo.eml",
        head(subject=f"RE: {SUBJECT}")
        + multi(
            "mixed",
            multi(
                "alternative",
                plain(text),
                multi(
                    "related",
                    html(markup),
                    file(
                        "image001.png",
                        "image/png",
                        LOGO + b"\x00" * 30000,
                        "inline",
                        "image001.png@01DB1234.5678",
                    ),
                ),
            ),
            file("BC 6T.pdf", "application/pdf", PDF),
        ),
        ok("22/BC-SYT", ["BC 6T.pdf"], [["image001.png", "signature_image"]]),
    )
    text = f"Gửi báo cáo 23/BC-SYT.\n\n________________________________\n{OUTLOOK_EN}\n\n{REMINDER}"
    add(
        "outlook-en-underscores.eml",
        head(subject=f"RE: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file(
                "Báo cáo.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                XLSX,
                style="2047",
            ),
        ),
        ok("23/BC-SYT", ["Báo cáo.xlsx"]),
    )
    markup = (
        '<div>Đơn vị gửi báo cáo số 24/BC-SYT.</div><hr><div id="divRplyFwdMsg"><b>Từ:</b> '
        "Hệ thống hạn chót<br><b>Đã gửi:</b> Thứ Hai, 01/12/2026 08:00<br><b>Chủ đề:</b> "
        + SUBJECT
        + "</div><div>"
        + REMINDER.replace("\n", "<br>")
        + "</div>"
    )
    add(
        "outlook-vi-html-only.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed", html(markup), file("Báo cáo tháng.pdf", "application/pdf", PDF, style="2047")
        ),
        ok("24/BC-SYT", ["Báo cáo tháng.pdf"]),
    )
    text = f"Gửi báo cáo 25/BC-SYT\n\nFrom: {SYSTEM} Sent: Monday, December 1, 2026 8:00:00 AM To: {FOCAL} Subject: {SUBJECT}\n\n{REMINDER}"
    add(
        "outlook-mobile-one-line-header.eml",
        head(subject=f"RE: {SUBJECT}")
        + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("25/BC-SYT", ["bc.pdf"]),
    )
    text = f"Báo cáo kèm theo.\n\n{OUTLOOK_VI}\n\n{REMINDER}"
    add(
        "outlook-vi-tnef-without-files.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file("winmail.dat", "application/ms-tnef", tnef([])),
            file("bc.pdf", "application/pdf", PDF),
        ),
        ok(None, ["bc.pdf"], [["winmail.dat", "tnef_empty"]]),
    )
    text = f"Gửi 26/BC-SYT\n\n{OUTLOOK_VI}\n\n{REMINDER}"
    add(
        "outlook-vi-tnef-two-files.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file(
                "winmail.dat",
                "application/ms-tnef",
                tnef([("Bao cao.pdf", PDF), ("Phu luc.xlsx", XLSX)]),
            ),
        ),
        ok("26/BC-SYT", ["Bao cao.pdf", "Phu luc.xlsx"]),
    )

    # --- Thunderbird ---------------------------------------------------------------------
    text = f"Gửi báo cáo 27/BC-SYT.\n\nOn 01/12/2026 08:00, Hệ thống hạn chót wrote:\n{quoted(REMINDER)}\n"
    add(
        "thunderbird-en-rfc2231-name.eml",
        head()
        + multi(
            "mixed",
            plain(text),
            file("Báo cáo sáu tháng đầu năm 2026 của Sở Y tế.pdf", "application/pdf", PDF),
        ),
        ok("27/BC-SYT", ["Báo cáo sáu tháng đầu năm 2026 của Sở Y tế.pdf"]),
    )
    text = (
        f"Vào 01/12/2026 08:00, Hệ thống hạn chót đã viết:\n{quoted(REMINDER)}\n\nSố 28/BC-SYT ạ.\n"
    )
    add(
        "thunderbird-vi-below.eml",
        head()
        + multi(
            "mixed", plain(text), file("bc.odt", "application/vnd.oasis.opendocument.text", ZIP)
        ),
        ok("28/BC-SYT", ["bc.odt"]),
    )
    text = f"Vào 01/12/2026 08:00, Hệ thống hạn chót đã viết:\n{quoted(REMINDER)}\n"
    add(
        "thunderbird-vi-nothing-written.eml",
        head()
        + multi(
            "mixed", plain("Báo cáo gửi kèm.\n\n" + text), file("bc.pdf", "application/pdf", PDF)
        ),
        ok(None, ["bc.pdf"]),
    )

    # --- Apple Mail ----------------------------------------------------------------------
    nfd = unicodedata.normalize("NFD", "Báo cáo Sở Y tế.pdf")
    markup = (
        '<html><body><div>Gửi báo cáo 29/BC-SYT.</div><div><br><blockquote type="cite">'
        + REMINDER.replace("\n", "<br>")
        + "</blockquote></div></body></html>"
    )
    add(
        "apple-mail-inline-pdf.eml",
        head()
        + multi(
            "alternative",
            plain("Gửi báo cáo 29/BC-SYT.\n\n" + quoted(REMINDER)),
            multi(
                "mixed",
                html("<div>Gửi báo cáo 29/BC-SYT.</div>"),
                file(nfd, "application/pdf", PDF, "inline"),
                html(markup),
            ),
        ),
        ok("29/BC-SYT", [unicodedata.normalize("NFC", nfd)]),
    )
    text = (
        f"Gửi 30/BC-SYT.\n\nVào 08:00, ngày 1 thg 12, 2026, Hệ thống hạn chót <hanchot@tinh-thu.example> "
        f"đã viết:\n\n{quoted(REMINDER)}\n"
    )
    add(
        "apple-mail-vi.eml",
        head() + multi("mixed", plain(text), file("BC.pdf", "application/pdf", PDF, "inline")),
        ok("30/BC-SYT", ["BC.pdf"]),
    )
    text = (
        f"Chuyển báo cáo 31/BC-SYT.\n\nBegin forwarded message:\n\nFrom: {SYSTEM}\nSubject: {SUBJECT}\n"
        f"Date: December 1, 2026 at 08:00:00 GMT+7\n\n{REMINDER}"
    )
    add(
        "apple-mail-forward.eml",
        head(subject=f"Fwd: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file("Untitled attachment 00012", "application/pdf", PDF, "inline"),
        ),
        ok("31/BC-SYT", ["Untitled attachment 00012.pdf"]),
    )

    # --- mobile ---------------------------------------------------------------------------
    text = (
        f"Số 32/BC-SYT\n\nSent from my iPhone\n\nOn Dec 1, 2026, at 08:00, Hệ thống hạn chót "
        f"<hanchot@tinh-thu.example> wrote:\n\n{quoted(REMINDER)}\n"
    )
    add(
        "iphone-photo.eml",
        head() + multi("mixed", plain(text), file("IMG_0412.jpeg", "image/jpeg", JPEG, "inline")),
        ok("32/BC-SYT", ["IMG_0412.jpeg"]),
    )
    text = f"Số 33/BC-SYT\n\n{GMAIL_VI}\n\n{quoted(REMINDER)}\n"
    add(
        "android-gmail-photo.eml",
        head() + multi("mixed", plain(text), file("IMG_20261202_091500.jpg", "image/jpeg", JPEG)),
        ok("33/BC-SYT", ["IMG_20261202_091500.jpg"]),
    )
    text = (
        f"Gửi bc 34/BC-SYT\n\nGửi từ điện thoại Samsung Galaxy\n\n-------- Thư gốc --------\nTừ: {SYSTEM}\n"
        f"Ngày: 01/12/2026 08:00 (GMT+07:00)\nĐến: {FOCAL}\nChủ đề: {SUBJECT}\n\n{REMINDER}"
    )
    add(
        "samsung-email-vi.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("34/BC-SYT", ["bc.pdf"]),
    )
    text = (
        f"Report 35/BC-SYT\n\n-------- Original message --------\nFrom: {SYSTEM}\nDate: 12/1/26 08:00 (GMT+07:00)\n"
        f"To: {FOCAL}\nSubject: {SUBJECT}\n\n{REMINDER}"
    )
    add(
        "samsung-email-en.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("35/BC-SYT", ["bc.pdf"]),
    )
