from django.db import migrations, models


class Migration(migrations.Migration):
    """An index for the reporter-contact retention sweep (closed cases by state and closing time); partial, so the
    open cases every intake writes add no entry."""

    dependencies = [
        ("cases", "0004_casecounter"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("closed_at__isnull", False)), fields=["state", "closed_at"], name="case_state_closed_at"),
        ),
    ]
