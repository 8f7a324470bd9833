"""Zalo: the Official Account API client and its token renewal, the send transport, the
signed webhook and what people write to the OA (links, buttons, files as evidence)."""
