"""Cleaning one cell's text: place-name keys, yes/no cells, disability levels and tag lists."""

import re
from functools import lru_cache

from linli.core import excel

from ..models import Tag
from .columns import DERIVED_TAG_NAMES, NO, TAG_LABELS, TAG_NAMES, YES

_CN_DIGITS = str.maketrans("一二三四五六七八九", "123456789")
_BUILDING_SUFFIX = re.compile(r"(号楼|号|栋|幢|座|楼)$")


# ---------------------------------------------------------------------------- normalising place names
@lru_cache(maxsize=8192)  # the same few names on every row
def building_key(text: str) -> str:
    """'1号楼', '1栋', '1', '１号' all → '1' (compared, never stored)."""
    s = re.sub(r"\s+", "", excel.cell_str(text))
    s = _BUILDING_SUFFIX.sub("", s)
    return s.translate(_CN_DIGITS) if s and all(ch in "一二三四五六七八九" for ch in s) else s


@lru_cache(maxsize=8192)  # the same few names on every row
def entrance_key(text: str) -> str:
    """'1单元', '1', '一单元' → '1'."""
    s = re.sub(r"\s+", "", excel.cell_str(text))
    s = re.sub(r"(单元|门)$", "", s)
    if s == "十":
        return "10"
    return s.translate(_CN_DIGITS)


@lru_cache(maxsize=8192)  # the same few names on every row
def room_key(text: str) -> str:
    """'101室', '101号', '101' → '101'."""
    s = re.sub(r"\s+", "", excel.cell_str(text))
    return re.sub(r"(室|号|户)$", "", s)


def _yes(value: str) -> bool | None:
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _level(value: str) -> int | None:
    s = value.strip().replace("级", "").replace("残疾", "")
    s = s.translate(_CN_DIGITS)
    return int(s) if s.isdigit() else None


def parse_tags(text: str) -> tuple[dict, list[str]]:
    """'独居、残疾2级、低保' → ({living_alone: None, disabled: 2, low_income: None}, unknown names)."""
    if not text:
        return {}, []
    tags, unknown = _parse_tags(text)
    return dict(tags), list(unknown)


@lru_cache(maxsize=4096)  # a sheet holds a few dozen distinct tag texts
def _parse_tags(text: str) -> tuple[dict, tuple[str, ...]]:
    tags, unknown = {}, []
    for part in re.split(r"[、,，;；/\s]+", text or ""):
        part = part.strip()
        if not part or part in DERIVED_TAG_NAMES:
            continue
        m = re.fullmatch(r"(残疾人?)[(（]?([一二三四1-4])级?[)）]?", part)
        if m:
            tags[Tag.DISABLED] = int(m.group(2).translate(_CN_DIGITS))
            continue
        code = TAG_NAMES.get(part)
        if code is None:
            unknown.append(part)
        else:
            tags.setdefault(code, None)
    return tags, tuple(unknown)


def tags_label(tags: dict) -> str:
    """{disabled: 2, low_income: None} → '残疾2级、低保' (what the 标签 column reads back)."""
    parts = []
    for code in Tag.values:
        if code in tags:
            level = tags[code]
            parts.append(f"{TAG_LABELS[code]}{level}级" if level else TAG_LABELS[code])
    return "、".join(parts)

