"""Checks of resident ID numbers and phone numbers. Errors name the field and the rule."""

import datetime
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError as StdnumError


PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}


_COMPACT_ID = re.compile(r"[0-9]{17}[0-9X]")


@dataclass(frozen=True)
class IdNumberFacts:
    number: str
    birth_date: datetime.date
    gender: str  # "M" or "F"
    region_code: str


def check_id_number(value: str, field: str = "id_number") -> IdNumberFacts:
    """Validate an 18-digit resident ID number (checksum included) and read birth date and gender."""
    raw = (value or "").strip().upper().replace(" ", "")
    if not raw:
        raise ValidationError({field: ValidationError(_("ID number: required"), code="required")})
    try:
        # A number as most cells hold it is already compact (what ric.compact returns unchanged): skip its
        # character-by-character clean. tests: linli/people/tests/test_import_speed.py compares with stdnum.
        number = raw if _COMPACT_ID.fullmatch(raw) else ric.compact(raw)
        if len(number) != 18:
            raise InvalidLength()
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            raise InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise InvalidChecksum()
        try:  # ric.get_birth_date without compacting the number again
            birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise InvalidComponent() from None
        # Region codes change (平城区 140213 dates from 2018) and old numbers keep old codes,
        # so only the province part is checked, not the full list stdnum knows.
        if number[:2] not in PROVINCE_CODES:
            raise ValidationError({field: ValidationError(_("ID number: the first two digits are not a province code"), code="region")})
    except InvalidChecksum:
        raise ValidationError({field: ValidationError(_("ID number: checksum digit is wrong"), code="checksum")})
    except InvalidLength:
        raise ValidationError({field: ValidationError(_("ID number: must have 18 characters"), code="length")})
    except InvalidComponent:
        raise ValidationError({field: ValidationError(_("ID number: birth date part is not a valid date"), code="birth_date")})
    except (InvalidFormat, StdnumError):
        raise ValidationError({field: ValidationError(_("ID number: must be 17 digits followed by a digit or X"), code="format")})
    if birth > datetime.date.today():
        raise ValidationError({field: ValidationError(_("ID number: birth date lies in the future"), code="birth_date")})
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberFacts(number=number, birth_date=birth, gender=gender, region_code=number[:6])


_MOBILE = re.compile(r"1(?!79)[3-9]\d{9}")  # "179xx" is a carrier prefix phonenumbers strips when parsing


def normalize_phone(value: str, field: str = "phone") -> str:
    """A Chinese mobile or landline number in national form (e.g. 13912345678, 03522345678)."""
    raw = (value or "").strip().replace(" ", "").replace("-", "")
    if not raw:
        return ""
    if _MOBILE.fullmatch(raw) and phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=86, national_number=int(raw))):
        # Fast path (a sixth of the cost): an 11-digit mobile number, which phonenumbers.parse(raw, "CN")
        # reads as it stands (no prefix to strip) and formats as 3-4-4 digits. Anything else, errors included,
        # goes the full way below. tests: linli/people/tests/test_import_speed.py compares both paths.
        return raw
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError({field: ValidationError(_("Phone: not a phone number"), code="phone")})
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field: ValidationError(_("Phone: not a valid mainland China number"), code="phone")})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "").replace("-", "")
