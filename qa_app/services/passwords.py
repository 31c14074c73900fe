"""Which new passwords we refuse: too short or long, one character repeated, or on the deny-list
of common and breached passwords shipped with the app (NCSC password guidance)."""
import re
from functools import cache
from pathlib import Path

from flask import current_app

HERE = Path(__file__).resolve().parent
# Digits and symbols people wrap round a common word: "Liverpool2024!", "123safeguarding".
_WRAPPING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")


class PasswordRefused(ValueError):
    """The message is for the person choosing the password."""


def _read_list(name: str) -> frozenset[str]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@cache
def deny_list() -> frozenset[str]:
    return _read_list("password_deny_list.txt")


@cache
def common_stems() -> frozenset[str]:
    return _read_list("password_stems.txt")


def is_common(password: str) -> bool:
    lowered = password.strip().lower()
    if lowered in deny_list():
        return True
    stem = _WRAPPING.match(lowered).group(1)
    return stem in common_stems() or stem in deny_list() or (stem != "" and stem * 2 in deny_list())


def check_new_password(password: str) -> None:
    config = current_app.config
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        raise PasswordRefused(f"Password must be {config['PASSWORD_MIN_LENGTH']} characters or more")
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        raise PasswordRefused(f"Password must be {config['PASSWORD_MAX_LENGTH']} characters or fewer")
    if len(set(password)) == 1:
        raise PasswordRefused("This password repeats one character. Choose another")
    if is_common(password):
        raise PasswordRefused("This password is too common. Choose another: a few unrelated words "
                              "together make a strong password")
