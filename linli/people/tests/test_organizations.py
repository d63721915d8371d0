import pytest
from django.core.exceptions import ValidationError

from linli.core.errors import OutOfScope
from linli.people import services
from linli.people.models import Organization
from linli.people.scopes import resolve, system

L = Organization.PartyLevel


def test_four_level_party_tree(world):
    s = system()
    committee = services.create_organization(s, kind="party", party_level=L.COMMUNITY_COMMITTEE, name="柳航里社区党委", community=world.a)
    branch = services.create_organization(s, kind="party", party_level=L.COMPOUND_BRANCH, name="航苑党支部", parent=committee, compound=world.compounds["A"], community=world.a)
    group = services.create_organization(s, kind="party", party_level=L.GRID_GROUP, name="第一网格党小组", parent=branch, grid=world.grids["A1"], community=world.a)
    house = services.create_organization(s, kind="party", party_level=L.MEMBER_HOUSEHOLD, name="王建国党员中心户", parent=group, building=world.buildings["A1"], community=world.a)
    assert [o.party_level for o in (house, house.parent, house.parent.parent, house.parent.parent.parent)] == [L.MEMBER_HOUSEHOLD, L.GRID_GROUP, L.COMPOUND_BRANCH, L.COMMUNITY_COMMITTEE]
    with pytest.raises(ValidationError) as exc:
        services.create_organization(s, kind="party", party_level=L.GRID_GROUP, name="跳级党小组", parent=committee, community=world.a)
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_organization(s, kind="party", name="无级别", community=world.a)
    assert "party_level" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.create_organization(s, kind="property_company", party_level=L.GRID_GROUP, name="物业", community=world.a)


def test_organization_scope(world):
    with pytest.raises(OutOfScope):
        services.create_organization(resolve(world.accounts["other_community_staff"]), kind="co_building", name="共建单位", community=world.a)
    org = services.create_organization(resolve(world.accounts["community_staff"]), kind="owners_committee", name="航苑业委会", community=world.a, compound=world.compounds["A"])
    assert org.pk
