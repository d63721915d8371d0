# The report form's one-time key (issue 14, fix 4): unique, so a form sent twice makes one case.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="intake_key",
            field=models.CharField(blank=True, editable=False, max_length=80, null=True, unique=True),
        ),
    ]
