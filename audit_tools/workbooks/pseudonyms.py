"""Stable pseudonyms for child and case ids: a keyed hash (HMAC-SHA256) with a secret kept by
the installation, so the same child always gets the same pseudonym (re-audits line up across
workbooks) but nobody without the key can work back from, or test guesses against, a pseudonym."""
import base64
import hashlib
import hmac
import re

PREFIXES = {"child": "CH", "case": "CA"}


class Pseudonymiser:
    def __init__(self, key: bytes | str):
        key = key.encode() if isinstance(key, str) else key
        if len(key) < 16:
            raise ValueError("A pseudonym key needs at least 16 bytes of secret")
        self._key = key

    def pseudonym(self, kind: str, identifier: str) -> str:
        """CH-XXXX-XXXX-XXXX for a child, CA-… for a case: 60 bits of the HMAC in base32."""
        digest = hmac.new(self._key, f"{kind}:{identifier}".encode(), hashlib.sha256).digest()
        text = base64.b32encode(digest[:10]).decode()[:12]
        return f"{PREFIXES[kind]}-{text[:4]}-{text[4:8]}-{text[8:]}"

    def child(self, child_id: str) -> str:
        return self.pseudonym("child", child_id)

    def case(self, case_id: str) -> str:
        return self.pseudonym("case", case_id)


class Identifiable:
    """Stands in for a Pseudonymiser in an identifiable export: ids pass through."""

    def child(self, child_id: str) -> str:
        return child_id

    def case(self, case_id: str) -> str:
        return case_id


# A run of letters and digits, with single joiners inside (R-0007/119): the shape an id takes in
# text. Whole runs and their letter-and-digit parts are checked, so "C1" never matches inside
# "C12" or "C1x", and "R1/R2" finds both.
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*")
_PART = re.compile(r"[A-Za-z0-9]+")


def id_candidates(text: str) -> set[str]:
    """Every token of the text that could be an id, to look up among the known ids."""
    found = set()
    for match in _TOKEN.finditer(text or ""):
        found.add(match.group(0))
        found.update(_PART.findall(match.group(0)))
    return found


def scrub_ids(text, *, children: set[str], cases: set[str], pseudonyms) -> str:
    """The text with every known child id and case (referral or plan) id, standing as a whole
    token, replaced by its pseudonym. A child id wins where an id is both."""
    if not isinstance(text, str) or not text:
        return text

    def part(match):
        token = match.group(0)
        if token in children:
            return pseudonyms.child(token)
        if token in cases:
            return pseudonyms.case(token)
        return _PART.sub(lambda p: (pseudonyms.child(p.group(0)) if p.group(0) in children else
                                    pseudonyms.case(p.group(0)) if p.group(0) in cases else p.group(0)), token)

    return _TOKEN.sub(part, text)
