"""Typer's own words in Vietnamese: the help page's headings, the --help option, usage
lines and the errors Typer raises for a mistyped command line (a missing argument, an
unknown option or command, a value of the wrong type).

Typer 0.29 carries its own copy of Click with these texts written in English, without
gettext, so they are replaced where Typer reads them: the rich help module's constants,
the help option's text, the usage prefix, and each error's message on its way to the
screen (by pattern; a message no pattern knows is shown as it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã hủy.",
    "RICH_HELP": "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]",
    "DEFAULT_STRING": "[mặc định: {}]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "DEPRECATED_STRING": "(không còn dùng) ",
}
HELP_OPTION = "Hiện hướng dẫn này rồi thoát."
USAGE = "Cách dùng: "
ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing argument (.+)\.$"), r"Thiếu tham số \1."),
    (re.compile(r"^Missing option (.+)\.$"), r"Thiếu tùy chọn \1."),
    (re.compile(r"^Missing parameter (.+)\.$"), r"Thiếu tham số \1."),
    (re.compile(r"^No such option: (\S+)$"), r"Không có tùy chọn \1."),
    (
        re.compile(r"^No such option: (\S+)\s+Did you mean (.+)\?$"),
        r"Không có tùy chọn \1. Có phải ý bạn là \2?",
    ),
    (
        re.compile(r"^No such option: (\S+)\s+\(Possible options: (.+)\)$"),
        r"Không có tùy chọn \1 (có thể là: \2).",
    ),
    (
        re.compile(r"^No such command (.+?)\.\s*Did you mean (.+)\?$"),
        r"Không có lệnh \1. Có phải ý bạn là \2?",
    ),
    (re.compile(r"^No such command (.+)\.$"), r"Không có lệnh \1."),
    (re.compile(r"^Missing command\.$"), r"Thiếu lệnh."),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), r"Thừa tham số: \1."),
    (re.compile(r"^Option (.+) requires an argument\.$"), r"Tùy chọn \1 cần một giá trị."),
    (re.compile(r"^Option (.+) requires (\d+) arguments\.$"), r"Tùy chọn \1 cần \2 giá trị."),
    (re.compile(r"^Option (.+) does not take a value\.$"), r"Tùy chọn \1 không nhận giá trị."),
    (
        re.compile(r"^Invalid value for (.+?): Input should be a valid integer.*$", re.S),
        r"Giá trị không hợp lệ cho \1: cần một số nguyên.",
    ),
    (
        re.compile(r"^Invalid value for (.+?): Input should be a valid number.*$", re.S),
        r"Giá trị không hợp lệ cho \1: cần một số.",
    ),
    (
        re.compile(r"^Invalid value for (.+?): (.+) is not a valid integer\.?$"),
        r"Giá trị không hợp lệ cho \1: \2 không phải số nguyên.",
    ),
    (
        re.compile(r"^Invalid value for (.+?): (.+) is not a valid float\.?$"),
        r"Giá trị không hợp lệ cho \1: \2 không phải số.",
    ),
    (
        re.compile(r"^Invalid value for (.+?): (.+) is not one of (.+)\.$"),
        r"Giá trị không hợp lệ cho \1: \2 không thuộc \3.",
    ),
    (
        re.compile(r"^Invalid value for (.+?): (?:File|Path|Directory) (.+) does not exist\.$"),
        r"Giá trị không hợp lệ cho \1: không có \2.",
    ),
    (re.compile(r"^Invalid value for (.+?): (.+)$", re.S), r"Giá trị không hợp lệ cho \1: \2"),
]


def translate(message: str) -> str:
    text = message.strip()
    for pattern, replacement in ERRORS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return message


def install() -> None:
    """Replace Typer's English in this process (idempotent)."""
    from typer import rich_utils
    from typer._click import core, formatting

    for name, text in HEADINGS.items():
        setattr(rich_utils, name, text)

    if getattr(rich_utils.rich_format_error, "_hanchot", False):
        return
    show_error: Callable[[Any], None] = rich_utils.rich_format_error

    def rich_format_error(error: Any) -> None:
        english = error.format_message
        error.format_message = lambda: translate(english())
        show_error(error)

    rich_format_error._hanchot = True  # type: ignore[attr-defined]
    rich_utils.rich_format_error = rich_format_error

    help_option = core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    core.Command.get_help_option = get_help_option  # type: ignore[method-assign]

    write_usage = formatting.HelpFormatter.write_usage

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = usage  # type: ignore[method-assign]
