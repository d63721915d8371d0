"""What `linli demo` prints (issue 14, fix 12): one language (the site's), each figure explained once and
counted as the home pages count it, the administrator and the password listed, no bare ✓ marks."""

import re

import pytest
from django.utils import translation

from linli import cli

pytestmark = pytest.mark.django_db


def test_demo_console_speaks_the_sites_language_and_explains_its_figures(world, capsys):
    from linli.people import services as people

    people.create_account(None, "admin_demo", "x" * 12, is_superuser=True, is_staff=True)
    result = {"created": True, "seconds": 12.5, "grids": 6, "buildings": 35, "residents": 3218, "households": 1177}
    with translation.override("zh-hans"):
        cli._print_demo(result)
    out = capsys.readouterr().out
    assert "✓" not in out and "✗" not in out
    assert "与报道一致" in out  # grids 6 and buildings 35 are seed 000's figures
    assert "3,218" in out  # the figure as the home pages show it (thousands separated)
    assert "linli-demo" in out and "管理员" in out  # the password for all, the administrator included
    # one language: no English words in the lines (usernames, the password and URLs aside)
    from linli.people.models import Account

    names = sorted(Account.objects.values_list("username", flat=True), key=len, reverse=True)
    for line in out.splitlines():
        for name in names:
            line = line.replace(name, "")
        line = re.sub(r"leader\d+|funan_\w+|qiaonan_\w+|linli-demo|/admin/", "", line)
        assert not re.findall(r"[A-Za-z]{4,}", line), line
