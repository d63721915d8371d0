"""The personal-data scrubber: free text on its way out of its scope.

Everything public or shown to people outside a record's scope (the public board, Open311 reads,
public volunteer pages, closing reports shown to departments and property companies, PDFs,
notifications and webhooks) passes through `scrub(text, names=...)`. It masks, in any common
spacing and in full-width digits:

- mainland mobile numbers (11 digits from 1[3-9], with or without +86/86, spaces, dashes, dots);
- landline numbers with an area code (0352-1234567, (0352)1234567, 010 8888 6666, 0352—1234567);
- resident ID numbers (18 characters ending in a digit or X, or the old 15 digits);
- bank card numbers (13–19 digits, in groups or not, passing the Luhn check);
- e-mail addresses;
- the names given (the reporter's own name), also written with spaces between the characters.

A masked value keeps just enough to be recognised by who already knows it (138****8000,
1402**********1234, 6222 **** **** 1234, w***@example.com, 王**) and nothing to be used by who does
not. Detection works on a copy with full-width characters folded (one character for one), so the
positions map back to the original text.
"""

import re
import unicodedata

_SEP = r"[ \-.\u2010-\u2015\u2212]?"  # one optional separator between groups: space, dash, dot, dashes of all widths


def _fold(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII, one character for one (positions kept)."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit() or c in "Xx")


def _luhn(number: str) -> bool:
    total, alt = 0, False
    for d in reversed(number):
        n = int(d)
        if alt:
            n *= 2
            if n > 9:
                n -= 9
        total += n
        alt = not alt
    return total % 10 == 0


# The order matters: longer numbers first, so a card is not taken for an ID or a phone.
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\dA-Za-z])(?:\d{4}" + _SEP + r"){3}\d{1,7}(?![\dA-Za-z])|(?<![\dA-Za-z])\d{13,19}(?![\dA-Za-z])")
_ID18 = re.compile(r"(?<![\dA-Za-z])\d{6}" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _SEP + r"\d{3}[\dXx](?![\dA-Za-z])"
                   r"|(?<![\dA-Za-z])\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx](?![\dA-Za-z])")
_ID15 = re.compile(r"(?<![\dA-Za-z])\d{6}" + _SEP + r"\d{6}" + _SEP + r"\d{3}(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<![\dA-Za-z])(?:(?:\+|00)?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?![\dA-Za-z])"
                     r"|(?<![\dA-Za-z])(?:(?:\+|00)?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{3}" + _SEP + r"\d{5}(?![\dA-Za-z])"
                     r"|(?<![\dA-Za-z])(?:(?:\+|00)?86" + _SEP + r")?1[3-9]\d{9}(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<![\dA-Za-z])(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}(?:" + _SEP + r"\d{1,4})?(?![\dA-Za-z])")


def _mask_keep(value: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing digits/letters of value; every other digit becomes *,
    separators are kept where they were."""
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    keep = set(positions[:head]) | set(positions[len(positions) - tail:] if tail else [])
    return "".join(c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(value))


def _mask_mobile(m: str) -> str:
    digits = _digits(m)
    if len(digits) > 11:  # a country code in front: keep it, mask the number
        cut = len(m)
        count = 0
        for i in range(len(m) - 1, -1, -1):  # find where the 11-digit number starts
            if m[i].isdigit():
                count += 1
                if count == 11:
                    cut = i
                    break
        return m[:cut] + _mask_keep(m[cut:], 3, 4)
    return _mask_keep(m, 3, 4)


def _mask_email(m: str) -> str:
    local, _, domain = m.partition("@")
    return (local[:1] + "***@" + domain) if local else m


def _mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def _replace(original: str, folded: str, pattern: re.Pattern, masker, check=None) -> tuple[str, str]:
    out_o, out_f, last = [], [], 0
    for m in pattern.finditer(folded):
        value = m.group(0)
        if check is not None and not check(value):
            continue
        masked = masker(value)
        out_o.append(original[last:m.start()])
        out_f.append(folded[last:m.start()])
        out_o.append(masked)
        out_f.append(masked)
        last = m.end()
    out_o.append(original[last:])
    out_f.append(folded[last:])
    return "".join(out_o), "".join(out_f)


def _name_pattern(name: str) -> re.Pattern | None:
    name = "".join(name.split())
    if len(name) < 2:
        return None
    return re.compile(r"[\s\u3000]*".join(re.escape(ch) for ch in name))


def _card_ok(value: str) -> bool:
    d = _digits(value)
    return 13 <= len(d) <= 19 and _luhn(d)


def _id_ok(value: str) -> bool:
    d = _digits(value).upper()
    if len(d) == 15:
        return d.isdigit()
    return len(d) == 18 and d[:17].isdigit() and 1900 <= int(d[6:10]) <= 2100 and 1 <= int(d[10:12]) <= 12


def scrub(text: str | None, names=()) -> str:
    """The text with personal data masked (see the module docstring). None and '' stay as they are."""
    if not text:
        return text or ""
    original = str(text)
    folded = _fold(original)
    if len(folded) != len(original):  # defensive: keep positions aligned
        folded = original
    original, folded = _replace(original, folded, _EMAIL, _mask_email)
    original, folded = _replace(original, folded, _ID18, lambda v: _mask_keep(v, 4, 4), _id_ok)
    original, folded = _replace(original, folded, _CARD, lambda v: _mask_keep(v, 4, 4), _card_ok)
    original, folded = _replace(original, folded, _ID15, lambda v: _mask_keep(v, 4, 3), _id_ok)
    original, folded = _replace(original, folded, _MOBILE, _mask_mobile)
    original, folded = _replace(original, folded, _LANDLINE, lambda v: _mask_keep(v, 4 if v.lstrip("(（").startswith("0") and len(_digits(v)) > 10 else 3, 2))
    for name in names or ():
        if not name:
            continue
        pattern = _name_pattern(str(name))
        if pattern is not None:
            original, folded = _replace(original, folded, pattern, lambda v, n=str(name): _mask_name("".join(n.split())))
    return original

