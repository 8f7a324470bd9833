"""Password hashing with argon2id (RFC 9106), through argon2-cffi.

Parameters are OWASP's first recommendation for argon2id (46 MiB, one pass, one lane):
about 0.15 s per login on a 2-core server, which is cheap for a person and expensive for
a guesser; the library's larger default profile took 0.7 s here, for every login.

The hash is stored in PHC format, parameters included, so raising them later only needs
`needs_rehash` at the next successful login. Verifying against a dummy hash when the
account does not exist keeps "no such user" and "wrong password" equally slow.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10

_hasher = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)  # argon2id
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"mật khẩu cần ít nhất {MIN_LENGTH} ký tự")
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches; with `stored` None, spends the same time and says no."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def generate_password() -> str:
    """A random password a person can type: 16 characters from an unambiguous alphabet."""
    alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))
