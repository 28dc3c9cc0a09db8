"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from services.errors import ErrorCode, ValidationError


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    # argon2id, t=3, m=64 MiB, p=4: the RFC 9106 second recommended option.
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("not-a-real-password-only-used-to-spend-time")


def warm_up() -> None:
    _dummy_hash()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown email) spend the same time and say no."""
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _argon2_pool() -> ThreadPoolExecutor:
    """One thread per core: argon2 takes 64 MiB and ~0.1 s of CPU per call by design, so
    a burst of sign-ins queues here: memory stays at most cores x 64 MiB."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")


async def hash_password_async(password: str) -> str:
    """Off the event loop, or every other request of the process would wait for it."""
    return await asyncio.get_running_loop().run_in_executor(_argon2_pool(), hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _argon2_pool(), verify_password, password_hash, password
    )


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn's score: 3 means "safely unguessable" (about 10^10 guesses); below that the password
# is a common one, a dictionary word with decorations, a keyboard walk or a repetition.
MIN_SCORE = 3
# zxcvbn is slow on long inputs; a prefix this long already decides the score.
_ZXCVBN_PREFIX = 100


def check_password_policy(
    password: str, *, field: str = "password", user_inputs: Sequence[str] = ()
) -> None:
    """At least 12 characters, no composition rules, common and guessable passwords refused
    (NIST SP 800-63B). `user_inputs` (email, name, company) count as guessable words."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"Must be at least {MIN_LENGTH} characters",
            field=field,
            code=ErrorCode.PASSWORD_TOO_SHORT,
            minimum=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            f"Must be at most {MAX_LENGTH} characters",
            field=field,
            code=ErrorCode.TOO_LONG,
            maximum=MAX_LENGTH,
        )
    # The values whole (an email as the password) and their words (its local part).
    words = [value for value in user_inputs if value] + [
        part for value in user_inputs for part in re.split(r"[^\w]+", value) if part
    ]
    result = zxcvbn(password[:_ZXCVBN_PREFIX], user_inputs=words)
    if result["score"] < MIN_SCORE:
        hint = result["feedback"].get("warning") or "It is too easy to guess"
        raise ValidationError(
            f"{hint.rstrip('.')}: choose a longer, less common password (a few random words work)",
            field=field,
            code=ErrorCode.PASSWORD_TOO_COMMON,
        )
