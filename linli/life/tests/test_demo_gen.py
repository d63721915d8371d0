import pytest

from linli.demo import life_gen
from linli.life.models import Loan, OrderCycle, Room, Tool

pytestmark = pytest.mark.django_db


def test_demo_week_rooms_and_tools(world):
    life_gen.build(world.a)
    assert OrderCycle.objects.filter(community=world.a).count() == 8
    assert OrderCycle.objects.filter(state="delivered").exists() and OrderCycle.objects.filter(state="open").exists()
    assert {"图书角", "手工区", "科创乐园", "青创空间", "心理诊疗室", "减压室"} <= set(Room.objects.values_list("name", flat=True))
    assert Tool.objects.count() >= 100 and Loan.objects.filter(state="out").exists()
