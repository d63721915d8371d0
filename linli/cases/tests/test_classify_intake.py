import pytest
from django.core.management import call_command

from linli.cases import classifier, services
from linli.cases.categories import seed_categories, training_examples
from linli.cases.models import Case, Category
from linli.people.scopes import resolve


def report(world, text):
    return services.submit(resolve(world.accounts["resident"]), source="resident", description=text, dwelling=world.dwellings["A1-101"])


def test_a_fresh_database_has_the_seed_taxonomy(db):
    assert Category.objects.filter(parent__isnull=True).count() >= 14
    assert Category.objects.filter(parent__isnull=False).count() >= 45
    assert seed_categories() == 0  # idempotent


def test_clear_text_is_categorised_and_routed(world):
    case = report(world, "电梯又坏了，早上有老人被困在里面半个小时")
    assert case.category.code == "property.elevator" and case.state == "assigned"
    assert case.confidence >= classifier.THRESHOLD and not case.categorised_by_person


def test_unclear_text_goes_to_triage_then_a_person_categorises(world, settings):
    settings.LINLI_CLASSIFIER_THRESHOLD = 0.99
    case = report(world, "有个事情想找社区反映一下，麻烦联系我")
    assert case.state == "triage" and case.category is None and case.suggested_category is not None
    assert case.tier == "community" and case.assignee == world.accounts["community_staff"]
    with pytest.raises(services.OutOfScope):
        services.categorise(resolve(world.accounts["grid_worker"]), case, "property.elevator")
    services.categorise(resolve(world.accounts["community_staff"]), case, "property.elevator")
    case.refresh_from_db()
    assert case.state == "assigned" and case.categorised_by_person and case.response_due
    phrases, handled = training_examples()
    assert (f"{case.title} {case.description}", "property.elevator") in handled


def test_train_classifier_command_writes_a_model_that_loads(world, tmp_path, capsys):
    out = tmp_path / "model.joblib"
    call_command("train_classifier", output=str(out), evaluate=True)
    assert "trained on" in capsys.readouterr().out
    model = classifier.load(out)
    code, confidence = model.predict("楼道里有人飞线给电动车充电")
    assert code == "fire.flying_wire" and confidence > 0.3
    assert Case.objects.count() == 0
