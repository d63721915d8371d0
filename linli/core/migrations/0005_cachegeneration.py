from django.db import migrations, models


class Migration(migrations.Migration):
    """The generation rows of linli.core.memo (issue 12): the triggers that bump them live in each app's migrations."""

    dependencies = [
        ("core", "0004_audit_privacy_actions"),
    ]

    operations = [
        migrations.CreateModel(
            name="CacheGeneration",
            fields=[
                ("name", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "cache generation", "verbose_name_plural": "cache generations"},
        ),
    ]
