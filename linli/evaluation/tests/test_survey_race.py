"""Two answers from one household sent at the same moment (two phones, two threads, two connections): exactly one
is recorded, the other is refused with the one-answer-per-household message, and the tally counts one household."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.evaluation import services
from linli.evaluation.models import SurveyAnswer, SurveyResponse
from linli.people.scopes import resolve


@pytest.mark.django_db(transaction=True)
def test_two_answers_from_one_household_at_once_exactly_one_wins(dataset):
    on = datetime.date(2025, 3, 31)
    staff = resolve(dataset.accounts["community_staff"], on=on)
    survey = services.create_survey(staff, dataset.compounds["A"], "并发测评", datetime.date(2025, 1, 1), datetime.date(2025, 3, 31),
                                    [("环境卫生", 2), ("安全秩序", 1)])
    items = list(survey.items.all())
    barrier = threading.Barrier(2)
    won, refused, other = [], [], []

    def answer(score):
        try:
            scope = resolve(dataset.accounts["resident"], on=on)
            barrier.wait()
            won.append(services.answer_survey(scope, survey, {i.pk: score for i in items}))
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001  (anything else is a failure, reported below)
            other.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(s,)) for s in (100, 0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not other, other
    assert len(won) == 1 and len(refused) == 1
    assert any("already answered" in m or "每户限答一次" in m for m in refused[0].messages)  # the thread speaks the default language
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert SurveyAnswer.objects.filter(item__survey=survey).count() == len(items)  # the loser's answers were rolled back
    assert services.tally(survey)["households"] == 1
