"""Email: messages built with the standard library, sent with aiosmtplib."""
