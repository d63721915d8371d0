"""A case page offers "raise as a council matter" to residents, and lists the matters it is part of."""

import urllib.parse

import pytest
from django.urls import reverse

from linli.cases import services as cases
from linli.meetings import services
from linli.people.scopes import resolve


@pytest.mark.django_db
def test_a_resident_raises_a_matter_from_their_case_and_the_case_links_to_it(world, client):
    resident = resolve(world.accounts["resident"])
    case = cases.submit(resident, source="resident", description="小区东门路灯坏了一个月，晚上很黑", dwelling=world.persons["a1"].dwelling)
    client.force_login(world.accounts["resident"])
    page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    href = f'{reverse("meetings:raise")}?cases={urllib.parse.quote(case.number)}&amp;title='
    assert href in page
    form = client.get(f'{reverse("meetings:raise")}?cases={case.number}&title={urllib.parse.quote(case.title)}').content.decode()
    assert f'value="{case.number}"' in form  # the raise form comes filled in
    assert "Council matters" not in page and "议事事项" not in page.split('id="facts"')[1].split("</section>")[0]

    matter = services.raise_matter(resident, title="东门加装路灯", what="东门一带夜间无照明，建议加装路灯", cases=[case])
    page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert f'href="{reverse("meetings:matter", args=[matter.pk])}"' in page and "东门加装路灯" in page

    client.force_login(world.accounts["department_contact"])  # no home here: nothing to raise from
    assert reverse("meetings:raise") not in client.get(reverse("cases:case", args=[case.pk])).content.decode()
