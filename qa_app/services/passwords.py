"""Which new passwords we refuse: too short or long, too few different characters, made from
words about this service or the person's own name and email, or on the deny-list of common and
breached passwords shipped with the app (NCSC password guidance)."""
import re
from functools import cache
from pathlib import Path

from flask import current_app

HERE = Path(__file__).resolve().parent
# Digits and symbols people wrap round a common word: "Liverpool2024!", "123safeguarding".
_WRAPPING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")


# Words anyone guessing a password for this service would try first; the published demo
# password is made of them.
SERVICE_WORDS = ("casefile", "demo", "quality", "assurance", "audit", "auditor", "council", "safeguarding",
                 "children", "social", "care", "password", "passphrase", "admin", "welcome")
# Fewer different characters than this is a pattern, not a password ("abababababab").
MIN_DISTINCT_CHARACTERS = 5
# What must be left, once the context words and the digits and symbols round them are taken
# away, for a password not to count as made from them.
_MIN_SUBSTANCE = 4


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


def personal_words(*details: str) -> list[str]:
    """The words of a person's name and email address (its local part and its domain's labels)."""
    words = set()
    for detail in details:
        words.update(word for word in re.split(r"[\W_]+", (detail or "").lower()) if len(word) >= 3)
    return sorted(words, key=len, reverse=True)


def _substance(password: str, words) -> str:
    """The password with these words taken out, and the digits and symbols that wrapped them."""
    left = password.lower()
    for word in words:
        left = left.replace(word, " ")
    return re.sub(r"[\d\W_]+", "", left)


def check_new_password(password: str, personal_details: tuple[str, ...] = ()) -> None:
    """personal_details: the person's email address and name, which the password must not be
    made from."""
    config = current_app.config
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        raise PasswordRefused(f"Password must be {config['PASSWORD_MIN_LENGTH']} characters or more")
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        raise PasswordRefused(f"Password must be {config['PASSWORD_MAX_LENGTH']} characters or fewer")
    if password.strip() and len(set(password)) == 1:
        raise PasswordRefused("This password repeats one character. Choose another")
    if is_common(password):
        raise PasswordRefused("This password is too common. Choose another: a few unrelated words "
                              "together make a strong password")
    if not password.strip() or len(set(password)) < MIN_DISTINCT_CHARACTERS:
        raise PasswordRefused("This password has too few different characters. Choose another: a few "
                              "unrelated words together make a strong password")
    if len(_substance(password, SERVICE_WORDS)) < _MIN_SUBSTANCE:
        raise PasswordRefused("This password is made of words about this service. Choose another")
    if len(_substance(password, (*personal_words(*personal_details), *SERVICE_WORDS))) < _MIN_SUBSTANCE:
        raise PasswordRefused("This password is made from your name or email address. Choose another")
