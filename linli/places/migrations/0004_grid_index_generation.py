"""The grid table's triggers move the new "grids" generation too (the locator's index, linli.core.memo). Triggers are
reinstalled after every migrate; this migration makes an upgraded database need one (`linli serve` refuses to start
with a migration pending) and installs them itself."""

from django.db import migrations


def install(apps, schema_editor):
    from linli.core import memo

    memo.install_triggers(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("places", "0003_encrypt_venue_contact_phone"), ("core", "0005_cachegeneration")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
