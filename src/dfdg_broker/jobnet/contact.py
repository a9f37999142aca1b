"""Contact rules: website (N14), phone (N16), e-mail (N17). Pure and cached: the same raw value always gives the same
answer, and the demo CVs repeat."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import NumberParseException, PhoneNumberType

ACCEPTED_PHONE_REGIONS = ("DK", "SE", "DE")
"""N16: only Danish, German and Swedish numbers pass into the CV. National formats are tried in this order."""

_TOP_LEVEL_DOMAIN = re.compile(r"^(?:[a-z]{2,6}|xn--[a-z0-9-]{1,59})$")


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    e164: str | None
    """the number in E.164 when it passes N16"""
    region: str | None = None
    landline: bool = False
    """a German or Swedish fixed-line number: still carried (N16 says every carried number is marked mobile)"""


@lru_cache(maxsize=8192)
def check_phone(raw: str) -> PhoneCheck:
    """N16 with libphonenumber: international forms ('+49 …', '0045 …') by their country code; other forms as a
    national number of DK, then SE, then DE (a leading 0 is a trunk prefix there)."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    regions: tuple[str | None, ...] = (None,) if text.startswith("+") else ACCEPTED_PHONE_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        found_region = phonenumbers.region_code_for_number(number)
        if found_region not in ACCEPTED_PHONE_REGIONS:
            return PhoneCheck(None, found_region)
        landline = phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return PhoneCheck(e164, found_region, landline=landline)
    return PhoneCheck(None)


@lru_cache(maxsize=8192)
def check_email(raw: str) -> str | None:
    """N17: the address in its normalised form if it is syntactically valid (email-validator, no DNS look-up)."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@dataclass(frozen=True, slots=True)
class WebsiteCheck:
    url: str | None
    suggestion: str | None = None


@lru_cache(maxsize=4096)
def check_website(raw: str) -> WebsiteCheck:
    """N14 Reading: a valid address is an absolute http(s) URL whose host has a dot and a plausible top-level
    domain. Without a scheme it is refused, with the https form as a suggestion when that form would be valid."""
    text = raw.strip()
    if _valid_url(text):
        return WebsiteCheck(text)
    candidate = "https://" + text
    return WebsiteCheck(None, candidate if "://" not in text and _valid_url(candidate) else None)


def _valid_url(text: str) -> bool:
    if any(ch.isspace() for ch in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return False
    labels = host.split(".")
    return (
        parts.scheme in ("http", "https")
        and len(labels) >= 2
        and all(labels)
        and _TOP_LEVEL_DOMAIN.match(labels[-1]) is not None
    )
