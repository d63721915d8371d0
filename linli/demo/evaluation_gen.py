"""Demo: the published default scoring rules, and a 物业服务满意度测评 for each of 柳航里's compounds — last month's
closed with its results published (so the property company's scorecard has a survey score), this month's open,
each answered by some of the compound's households. Answers are bulk-created (the anonymous tally apart from who
answered); the demo resident's household is left out of this month's survey so it can answer in the browser."""

import datetime
import random

from django.utils import timezone

from linli.evaluation import services
from linli.evaluation.indicators import Period
from linli.evaluation.models import SurveyAnswer, SurveyResponse
from linli.people.models import Account, Household
from linli.people.scopes import system
from linli.places.models import Community

SEED = 15003
ITEMS = [("物业服务态度与响应速度", 2), ("环境卫生与垃圾清运", 2), ("公共秩序与门岗安保", 2), ("设施设备维修养护", 1.5),
         ("绿化养护", 1), ("收费公开与账目透明", 1)]
SHARE_ANSWERING = 0.35
# the three verdicts' chances per compound: the older compound is less content
MOOD = [(0.55, 0.3), (0.7, 0.22)]


def _answer(survey, households, rng, mood) -> int:
    items = list(survey.items.all())
    now = timezone.now()
    responses, answers = [], []
    for h in households:
        responses.append(SurveyResponse(survey=survey, household=h, answered_at=now))
        for item in items:
            r = rng.random()
            score = 100 if r < mood[0] else 60 if r < mood[0] + mood[1] else 0
            answers.append(SurveyAnswer(item=item, score=score))
    rng.shuffle(answers)  # row order links nothing to a household
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    SurveyAnswer.objects.bulk_create(answers, batch_size=1000)
    return len(responses)


def build(main: Community) -> dict:
    rng = random.Random(SEED)
    scope = system()
    rules = services.seed_default_rules(scope, note="linli 默认考核细则（首版）")
    today = timezone.localdate()
    this = Period.month(today.year, today.month)
    last = this.previous()
    resident = Account.objects.filter(username="resident").select_related("person").first()
    resident_household = getattr(getattr(resident, "person", None), "household_id", None)
    made = {"rules": rules, "surveys": 0, "answers": 0}
    for n, compound in enumerate(main.compounds.order_by("pk")[:2]):
        households = list(Household.objects.filter(dwelling__building__compound=compound).order_by("pk"))
        if not households:
            continue
        mood = MOOD[n % len(MOOD)]
        for period, publish in ((last, True), (this, False)):
            title = f"{compound.name} {period.start:%Y年%-m月}物业服务满意度测评"
            survey = services.create_survey(scope, compound, title, period.start, period.end - datetime.timedelta(days=1), ITEMS)
            pool = [h for h in households if publish or h.pk != resident_household]
            who = rng.sample(pool, max(1, int(len(pool) * SHARE_ANSWERING)))
            made["answers"] += _answer(survey, who, rng, mood)
            if publish:
                services.close_survey(scope, survey)
            made["surveys"] += 1
    return made
