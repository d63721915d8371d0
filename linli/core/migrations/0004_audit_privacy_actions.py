from django.db import migrations, models


class Migration(migrations.Migration):
    """Two audited actions of the privacy work (issue 13): a subject-access copy and an anonymisation run."""

    dependencies = [
        ("core", "0003_chinese_verbose_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(choices=[("reveal", "Reveal personal data"), ("export", "Export"), ("export_revealed", "Export with personal data"),
                                            ("import", "Import"), ("login", "Sign-in"), ("subject_access", "Copy of a person's data"),
                                            ("anonymise", "Anonymise")], max_length=32),
        ),
    ]
