"""The category tree: seeded from taxonomy.py on a fresh database, edited in the admin afterwards,
and the training examples for the classifier (category phrases + every case a person categorised)."""

from django.db import transaction

from .models import Case, Category


@transaction.atomic
def seed_categories(update: bool = False) -> int:
    """Create the taxonomy's groups and leaves that do not exist yet (by code); returns how many.

    Existing categories are left as the community edited them unless update=True."""
    from .taxonomy import TAXONOMY

    created = 0
    for gi, group in enumerate(TAXONOMY):
        parent, made = Category.objects.get_or_create(code=group["code"], defaults={"name": group["name"], "order": gi * 100})
        created += made
        for li, leaf in enumerate(group["children"]):
            fields = {
                "name": leaf["name"], "parent": parent, "default_tier": leaf["tier"], "department_type": leaf.get("department", ""),
                "response_amount": leaf["response"][0], "response_unit": leaf["response"][1],
                "handling_amount": leaf["handling"][0], "handling_unit": leaf["handling"][1],
                "outcomes_public": leaf.get("public", True), "examples": "\n".join(leaf["examples"]), "order": gi * 100 + li + 1,
            }
            if update:
                _, made = Category.objects.update_or_create(code=leaf["code"], defaults=fields)
            else:
                _, made = Category.objects.get_or_create(code=leaf["code"], defaults=fields)
            created += made
    return created


def seed_if_empty(**kwargs) -> None:
    """post_migrate: a fresh install gets the seed taxonomy so intake classifies on the first day."""
    if not Category.objects.exists():
        seed_categories()


def training_examples() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(phrases, handled): the categories' example phrases and names, and the cases a person categorised."""
    phrases = []
    for cat in Category.objects.filter(active=True, parent__isnull=False).select_related("parent"):
        phrases += [(line.strip(), cat.code) for line in cat.examples.splitlines() if line.strip()]
        phrases += [(cat.name, cat.code), (f"{cat.parent.name} {cat.name}", cat.code)]
    handled = [
        (f"{title} {description}", code)
        for title, description, code in Case.objects.filter(categorised_by_person=True, category__active=True)
        .values_list("title", "description", "category__code")
    ]
    return phrases, handled
