"""Telegram: the send transport (paced), the signed buttons, and the bot process."""

import os

# python-telegram-bot 22 warns, in RetryAfter's own constructor, that `retry_after`
# becomes a timedelta in its next major version; opting in now silences that and is
# what the code here handles (notifier.telegram.transport.seconds takes both).
os.environ.setdefault("PTB_TIMEDELTA", "1")
