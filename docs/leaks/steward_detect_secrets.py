"""A detect-secrets plugin for Steward API tokens.

A token is `stw_`, 32 base62 characters, then 6 base62 characters of the CRC32 (IEEE) of the
first 36 characters, most significant digit first, with the alphabet 0-9, A-Z, a-z. Only
strings whose checksum holds are reported, so look-alikes cost nobody a false alarm.

    detect-secrets scan --plugin docs/leaks/steward_detect_secrets.py .
"""
import re
import zlib

from detect_secrets.plugins.base import RegexBasedDetector

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _checksum(body: str) -> str:
    value = zlib.crc32(body.encode("ascii")) & 0xFFFFFFFF
    digits = []
    for _ in range(6):
        digits.append(_ALPHABET[value % 62])
        value //= 62
    return "".join(reversed(digits))


def is_steward_token(candidate: str) -> bool:
    """Whether `candidate` has a Steward token's shape and a checksum that holds."""
    return (
        len(candidate) == 42
        and candidate.startswith("stw_")
        and candidate.isascii()
        and candidate[4:].isalnum()
        and _checksum(candidate[:36]) == candidate[36:]
    )


class StewardTokenDetector(RegexBasedDetector):
    """Steward API tokens, checksum checked."""

    secret_type = "Steward API Token"
    denylist = [re.compile(r"(?<![0-9A-Za-z_])(stw_[0-9A-Za-z]{38})(?![0-9A-Za-z])")]

    def analyze_string(self, string):
        for match in super().analyze_string(string):
            if is_steward_token(match):
                yield match
