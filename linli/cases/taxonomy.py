"""The seed category taxonomy: what residents of a Chinese community report.

A two-level tree. Top-level groups carry only ``code``, ``name`` and ``children``;
each leaf (a category a case can be filed under) carries the fields below. The
tree is data: ``data/taxonomy.json`` (groups, and the tiers, units and
departments it may name); this module loads it once and keeps the names callers
use. The ``cases`` app seeds its editable ``Category`` table from it, and the
classifier (``linli.cases.classifier``) trains on the leaves' ``examples`` until
enough human-categorised cases exist.

CATEGORY_FIELDS (every leaf):

=============  ==============================================================
code           ASCII, dotted ``group.leaf``, unique across the tree; stable —
               cases and trained models refer to it
name           Chinese name shown to residents and staff
tier           where a case in this category starts on the escalation ladder
               (微事楼内解、小事不出格、大事不出网): ``building`` (building
               leader), ``grid`` (grid worker), ``community`` (dispatcher),
               ``subdistrict`` or ``department``
department     the department type usually whistled or assigned (see
               DEPARTMENTS), or ``""`` when the community handles it alone
response       (amount, unit) — respond within this much working time;
               unit is ``"hours"`` or ``"days"``
handling       (amount, unit) — handle (resolve) within this much working time
public         whether outcomes may be shown on the anonymised public board
               (公示); False for family matters, social assistance, elderly
               help and other matters about one household
examples       at least 12 phrases as residents write them; training data
=============  ==============================================================

Sources: the seed reports (房顶漏水 and 房顶违建, 菜窖渗水污水 and the 菜市
商铺排污管道堵塞, 养鸽子, 停水停电、未通天然气, 楼道杂物、消防通道、飞线充电、
电动车进楼道, 独居/孤寡老人与六助, 特困供养与养老院, 食品安全与诚信经营,
邻里矛盾、家庭矛盾) and the matters community hotlines (12345) receive.
"""

import json
from pathlib import Path

DATA = Path(__file__).with_name("data") / "taxonomy.json"


def _load(path: Path = DATA) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for group in data["groups"]:
        for leaf in group["children"]:
            leaf["response"], leaf["handling"] = tuple(leaf["response"]), tuple(leaf["handling"])  # (amount, unit)
    return data


_DATA = _load()

TIERS = tuple(_DATA["tiers"])

UNITS = tuple(_DATA["units"])

DEPARTMENTS = _DATA["departments"]

CATEGORY_FIELDS = tuple(_DATA["fields"])

TAXONOMY = _DATA["groups"]


def leaves():
    """Every leaf, in tree order, with ``group`` (the top-level code) and ``group_name`` added."""
    out = []
    for group in TAXONOMY:
        for leaf in group["children"]:
            out.append({**leaf, "group": group["code"], "group_name": group["name"]})
    return out


def leaf(code):
    """The leaf with this code, or KeyError."""
    for item in leaves():
        if item["code"] == code:
            return item
    raise KeyError(code)


def group_of(code):
    """The top-level code of a leaf code: ``"fire.passage"`` → ``"fire"``."""
    return code.split(".", 1)[0]
