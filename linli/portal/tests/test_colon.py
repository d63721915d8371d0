"""A label's colon: full width in Chinese, ': ' in English, and no template writes a half-width one after a label."""
import pathlib
import re

from django.template import engines
from django.utils import translation

import linli

LABEL_THEN_COLON = re.compile(r"\{% translate [^%]*%\}:")


def _render(lang: str) -> str:
    template = engines["django"].from_string('{% load i18n linli_tags %}{% translate "Result" %}{% colon %}{{ v }}')
    with translation.override(lang):
        return template.render({"v": "已修好"})


def test_the_colon_follows_the_language():
    assert _render("zh-hans") == "办理结果：已修好"
    assert _render("en") == "Result: 已修好"


def test_no_template_writes_a_half_width_colon_after_a_label():
    root = pathlib.Path(linli.__file__).parent
    offenders = [f"{path.relative_to(root)}:{text[:m.start()].count(chr(10)) + 1}"
                 for path in root.rglob("*.html") for text in [path.read_text()] for m in LABEL_THEN_COLON.finditer(text)]
    assert offenders == [], "write {% colon %} after a translated label: " + ", ".join(offenders)
