"""Stable pseudonyms for child and case ids: a keyed hash (HMAC-SHA256) with a secret kept by
the installation, so the same child always gets the same pseudonym (re-audits line up across
workbooks) but nobody without the key can work back from, or test guesses against, a pseudonym."""
import base64
import hashlib
import hmac

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
