"""Issue 14, fix 7: the back office speaks Chinese. Every linli model has Chinese verbose names (English msgids, zh-Hans
translations; the plural typos "Action progresss", "Case settingss" are gone), and the admin says 邻里, not Django."""

import re

import pytest
from django.apps import apps
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")


def _linli_models():
    return [m for m in apps.get_models() if m.__module__.startswith("linli.")]


def test_every_model_has_chinese_verbose_names():
    untranslated = []
    with translation.override("zh-hans"):
        for m in _linli_models():
            for attr in ("verbose_name", "verbose_name_plural"):
                zh = str(getattr(m._meta, attr))
                with translation.override("en"):
                    en = str(getattr(m._meta, attr))
                if not CJK.search(zh) or zh == en:
                    untranslated.append(f"{m._meta.label}.{attr} = {zh!r}")
    assert not untranslated, untranslated


def test_english_plurals_have_no_doubled_s():
    with translation.override("en"):
        names = [(str(m._meta.verbose_name), str(m._meta.verbose_name_plural)) for m in _linli_models()]
    # Django's default plural adds an "s": "action progress" became "action progresss", "summons" "summonss".
    # A right plural may end in "ss" or "ys" ("addresses" aside, "surveys", "gateways"): what is wrong is
    # the singular with an "s" glued on where the singular already ends in one.
    doubled = [plural for singular, plural in names if singular.endswith("s") and plural == singular + "s"]
    assert not doubled, doubled
    with translation.override("zh-hans"):
        assert str(apps.get_model("places", "Entrance")._meta.verbose_name_plural) == "单元"  # not 单元数


@pytest.mark.django_db
def test_admin_index_is_chinese_and_says_linli(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-long-password-1")
    client.force_login(admin)
    r = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200
    page = r.content.decode()
    assert "邻里" in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "邻里" in page and "Django" not in re.sub(r"<(script|link)[^>]*>", "", page)
    # the names in the model list: every link text and caption in the app list is Chinese
    app_list = page[page.index('id="content-main"'):]
    names = re.findall(r'<(?:th scope="row"|caption)[^>]*>\s*(?:<a [^>]*>)?([^<]+)', app_list)
    assert names
    english = [n.strip() for n in names if n.strip() and not CJK.search(n)]
    assert not english, english
