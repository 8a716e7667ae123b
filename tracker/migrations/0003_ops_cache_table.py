"""Create the database cache's table, so `migrate` (and `quickstart`, and the test database)
prepares the shared cache that the throttles count in. Does nothing for a Redis cache."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_tombstones")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
