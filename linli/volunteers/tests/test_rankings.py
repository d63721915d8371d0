"""Rankings by hours, frequency, performance rating and the composite score over a period, with the rule shown.

Four volunteers, hand-computed (hours h, services f, average rating r, score = h + 2f + 5r):

    P  1 × 300 min, rating 5              h 5  f 1  r 5    score 5 + 2 + 25   = 32
    Q  4 × 30 min, ratings 4, 5, 4, 5     h 2  f 4  r 4.5  score 2 + 8 + 22.5 = 32.5
    R  2 × 120 min, ratings 4, 4          h 4  f 2  r 4    score 4 + 4 + 20   = 28
    S  3 × 60 min, ratings 4, 4, 4        h 3  f 3  r 4    score 3 + 6 + 20   = 29

    by hours      P R S Q
    by frequency  Q S R P
    by rating     P Q S R   (S and R tie at 4: more services first, though R registered first)
    by score      Q P S R
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from linli.volunteers import queries, services
from linli.volunteers.models import ServiceRecord

from .conftest import approved, sc

SERVICE = {"P": [(300, 5)], "Q": [(30, 4), (30, 5), (30, 4), (30, 5)], "R": [(120, 4), (120, 4)], "S": [(60, 4), (60, 4), (60, 4)]}
EXPECTED = {"hours": "PRSQ", "frequency": "QSRP", "rating": "PQSR", "score": "QPSR"}


def _acts(world, n):
    now = timezone.now()
    return [services.create_activity(sc(world, "community_staff"), world.a, title=f"活动{i}", place="社区广场", capacity=10,
                                     starts_at=now - datetime.timedelta(hours=4), ends_at=now - datetime.timedelta(hours=1)) for i in range(n)]


def serve(world, volunteer, act, minutes, rating):
    rec = services.record_hours(sc(world, "community_staff"), act, volunteer, minutes=minutes)
    return services.certify(sc(world, "community_staff"), rec, rating=rating)


@pytest.fixture
def four(world):
    vols = {k: approved(world, key=None, person_key=p) for k, p in zip("RSQP", ["a1", "a1_spouse", "a2", "a3"])}  # R registered before S
    acts = _acts(world, 4)
    for k in "PQRS":
        for act, (minutes, rating) in zip(acts, SERVICE[k]):
            serve(world, vols[k], act, minutes, rating)
    return vols


def order(rows, vols):
    names = {v.pk: k for k, v in vols.items()}
    return "".join(names[r["volunteer"].pk] for r in rows)


@pytest.mark.parametrize("measure", ["hours", "frequency", "rating", "score"])
def test_each_measure_orders_as_computed_by_hand(world, four, measure):
    today = timezone.localdate()
    rows = queries.ranking(world.a, today, today, measure)
    assert order(rows, four) == EXPECTED[measure]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    figures = {k: (r["hours"], r["services"], r["rating"], r["score"]) for k, r in zip(EXPECTED[measure], rows)}
    assert figures == {"P": (5.0, 1, 5.0, 32.0), "Q": (2.0, 4, 4.5, 32.5), "R": (4.0, 2, 4.0, 28.0), "S": (3.0, 3, 4.0, 29.0)}


def test_the_default_measure_is_the_composite_score(world, four):
    today = timezone.localdate()
    assert order(queries.ranking(world.a, today, today), four) == EXPECTED["score"]


def test_only_certified_service_within_the_period_counts(world, four):
    today = timezone.localdate()
    extra = _acts(world, 2)
    # R's uncertified hours and R's long service certified last month do not count
    services.record_hours(sc(world, "community_staff"), extra[0], four["R"], minutes=300)
    old = serve(world, four["R"], extra[1], 300, 5)
    ServiceRecord.objects.filter(pk=old.pk).update(certified_at=timezone.now() - datetime.timedelta(days=40))
    for measure, expected in EXPECTED.items():
        assert order(queries.ranking(world.a, today, today, measure), four) == expected
    month_ago = today - datetime.timedelta(days=40)
    assert [(r["volunteer"], r["hours"]) for r in queries.ranking(world.a, month_ago, month_ago, "hours")] == [(four["R"], 5.0)]
    assert queries.ranking(world.b, today, today, "hours") == []


def test_full_ties_go_to_who_registered_first_whatever_the_order_of_service(world):
    first = approved(world, key=None, person_key="a2")
    second = approved(world, key=None, person_key="a3")
    acts = _acts(world, 2)
    serve(world, second, acts[0], 60, 4)  # the later-registered volunteer's records are written first
    serve(world, first, acts[1], 60, 4)
    today = timezone.localdate()
    for measure in queries.MEASURES:
        assert [r["volunteer"] for r in queries.ranking(world.a, today, today, measure)] == [first, second], measure


def test_volunteers_never_rated_come_last_by_rating(world):
    rated_low = approved(world, key=None, person_key="a2")
    unrated = approved(world, key=None, person_key="a3")
    acts = _acts(world, 2)
    serve(world, unrated, acts[0], 300, None)
    serve(world, unrated, acts[1], 300, None)
    serve(world, rated_low, acts[0], 30, 1)
    today = timezone.localdate()
    rows = queries.ranking(world.a, today, today, "rating")
    assert [(r["volunteer"], r["rating"]) for r in rows] == [(rated_low, 1.0), (unrated, None)]
    assert [r["volunteer"] for r in queries.ranking(world.a, today, today, "hours")] == [unrated, rated_low]


def test_an_unknown_measure_is_refused(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        queries.ranking(world.a, today, today, "popularity")
    assert exc.value.message_dict == {"measure": ["Rank by: one of Composite score / Hours served / Frequency / Performance rating."]}


def page_order(body, vols):
    names = {str(v.pk): k for k, v in vols.items()}
    table = body[body.index('id="ranking"'):]
    table = table[:table.index("</table>")]
    return "".join(names[pk] for pk in re.findall(r'<tr data-volunteer="(\d+)">', table))


def rule_on(body):
    m = re.search(r'<p class="msg" id="rule" data-measure="(\w+)">(.*?)</p>', body, re.S)
    assert m, "the rule element is missing"
    return m.group(1), m.group(2).strip()


@pytest.mark.parametrize("measure", ["hours", "frequency", "rating", "score"])
def test_the_awards_page_ranks_by_the_chosen_measure_and_shows_its_rule(client, world, four, measure):
    client.force_login(world.accounts["community_staff"])
    today = timezone.localdate().isoformat()
    r = client.get(reverse("volunteers:awards"), {"start": today, "end": today, "by": measure})
    assert r.status_code == 200
    body = r.content.decode()
    assert page_order(body, four) == EXPECTED[measure]
    with translation.override("zh-hans"):
        rule = str(queries.MEASURES[measure][1])
    assert rule_on(body) == (measure, rule)
    assert f'<option value="{measure}" selected>' in body


def test_the_rules_are_shown_in_chinese(client, world, four):
    client.force_login(world.accounts["community_staff"])
    body = client.get(reverse("volunteers:awards"), {"by": "hours"}).content.decode()
    assert rule_on(body)[1].startswith("按本期内经组织方认定的服务时长排名。时长相同时，服务次数多者在前")
    body = client.get(reverse("volunteers:awards")).content.decode()
    assert rule_on(body) == ("score", "得分 = 服务时长（小时）+ 2 × 服务次数 + 5 × 平均表现评分（1–5）；只计入本期内经组织方认定的时长。"
                                      "得分相同时，时长多者在前，再看服务次数多者，再看注册在先者。")


def test_an_unknown_measure_on_the_page_says_so_and_ranks_by_score(client, world, four):
    client.force_login(world.accounts["community_staff"])
    body = client.get(reverse("volunteers:awards"), {"by": "popularity"}).content.decode()
    assert 'class="msg error"' in body and "排名依据：须为" in body
    assert rule_on(body)[0] == "score" and page_order(body, four) == EXPECTED["score"]
