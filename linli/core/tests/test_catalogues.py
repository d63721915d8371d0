"""The zh_Hans catalogues hold every message of the source, each message has one translation, and a word with two
meanings has a context for each (the catalogues are merged at run time, so two catalogues translating one msgid
differently means one page shows the other page's word).

`linli messages` is run on a copy of the package: the committed catalogues must be what it makes of the source —
no message missing (it would show in English), none left over.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]  # linli/


def _catalogues(package: Path) -> list[Path]:
    return sorted(package.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def _entries(po: Path) -> dict[tuple, str]:
    """(context, msgid, plural) → the translation (the first form for plurals), read without polib: the .po as
    msgmerge writes it (one entry per blank-line separated block)."""

    def text(block: str, key: str) -> str | None:
        m = re.search(rf'^{re.escape(key)} ((?:".*"\n?)+)', block, re.M)
        if not m:
            return None
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).encode().decode("unicode_escape").encode("latin-1").decode()

    out = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        block = "\n".join(line for line in block.splitlines() if not line.startswith("#~")) + "\n"
        msgid = text(block, "msgid")
        if msgid is None or msgid == "":
            continue  # the header, or an obsolete entry
        out[(text(block, "msgctxt"), msgid, text(block, "msgid_plural"))] = text(block, "msgstr") or text(block, "msgstr[0]") or ""
    return out


@pytest.mark.skipif(not shutil.which("xgettext") or not shutil.which("msgmerge"),
                    reason="needs GNU gettext (apt-get install gettext; `linli test` installs it when root)")
def test_the_catalogues_hold_every_message_of_the_source_and_nothing_else(tmp_path):
    copy = tmp_path / "linli"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "media"))
    # the copy is imported, so the project catalogue (settings.LOCALE_PATHS) is the copy's and nothing here is written
    code = ("import linli, sys; from pathlib import Path; assert Path(linli.__file__).parent == Path(sys.argv[1]), linli.__file__; "
            "import django; django.setup(); from linli.core.management.commands.messages import refresh; "
            "refresh(Path(sys.argv[1]), compile=False)")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), DJANGO_SETTINGS_MODULE="linli.settings")
    done = subprocess.run([sys.executable, "-c", code, str(copy)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    for committed in _catalogues(PACKAGE):
        fresh = copy / committed.relative_to(PACKAGE)
        now, then = _entries(fresh), _entries(committed)
        missing = sorted(k[1] for k in now.keys() - then.keys())
        stale = sorted(k[1] for k in then.keys() - now.keys())
        assert not missing, f"{committed.relative_to(PACKAGE)} lacks messages of the source (run `linli messages`): {missing[:10]}"
        assert not stale, f"{committed.relative_to(PACKAGE)} holds messages no source uses (run `linli messages`): {stale[:10]}"


def test_a_message_has_one_translation_in_every_catalogue():
    seen: dict[tuple, tuple[str, str]] = {}
    clashes = []
    for po in _catalogues(PACKAGE):
        where = po.parents[3].name  # linli (the project catalogue) or the app
        for key, msgstr in _entries(po).items():
            if key in seen and seen[key][0] != msgstr:
                clashes.append(f"{key[1]!r} (context {key[0]!r}): {seen[key][1]} {seen[key][0]!r}, {where} {msgstr!r}")
            seen.setdefault(key, (msgstr, where))
    assert not clashes, "give one of them a context:\n" + "\n".join(clashes)


def test_the_compiled_catalogues_match_their_sources():
    for po in _catalogues(PACKAGE):
        with open(po.with_suffix(".mo"), "rb") as fh:
            compiled = gettext.GNUTranslations(fh)._catalog
        for (context, msgid, plural), msgstr in _entries(po).items():
            key = (f"{context}\x04" if context else "") + msgid
            got = compiled.get((key, 0) if plural else key)
            assert got == msgstr, f"{po.relative_to(PACKAGE)}: {msgid!r} compiled as {got!r}, the .po says {msgstr!r}"


@pytest.mark.parametrize("context, msgid, zh", [
    ("workbench", "Vote", "待投票"), (None, "Vote", "民事民决"),  # a workbench to-do; the matter page's section
    ("workbench", "Open the vote", "待发起表决"), (None, "Open the vote", "开始表决"),
    ("scorecard", "Points", "得分"), (None, "Points", "积分"),  # a scorecard's points; volunteers' and leaders' points
    ("stocktake", "Counted", "实盘数"), (None, "Counted", "计入"),
    ("council", "Evaluation", "评议"), (None, "Evaluation", "考核评价"),
    ("volunteers", "Registered on", "注册日期"), (None, "Registered on", "登记日期"),
    (None, "Name", "姓名"),
    (None, "access attempt", "登录尝试"),  # django-axes' model, named in linli's catalogue
    (None, "Open the cockpit", "打开数字驾驶舱"),
])
def test_each_meaning_reads_its_own_word(context, msgid, zh):
    with translation.override("zh-hans"):
        assert (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) == zh
