# Case numbering in O(1) (issue 12): one counter row per day, seeded from the numbers already given out.

from django.db import migrations, models


def seed(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseCounter = apps.get_model("cases", "CaseCounter")
    last = {}
    for number in Case.objects.values_list("number", flat=True).iterator(chunk_size=5000):
        prefix, _, tail = number.partition("-")
        if len(prefix) == 8 and prefix.isdigit() and tail.isdigit():
            last[prefix] = max(last.get(prefix, 0), int(tail))
    import datetime

    CaseCounter.objects.bulk_create(
        [CaseCounter(day=datetime.date(int(p[:4]), int(p[4:6]), int(p[6:])), last=n) for p, n in sorted(last.items())],
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_chinese_verbose_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseCounter",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False)),
                ("last", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "case counter", "verbose_name_plural": "case counters"},
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
