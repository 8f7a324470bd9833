"""Email replies: read from an IMAP mailbox, parsed purely, applied or quarantined."""
