from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_curators_group(sender, **kwargs):
    from .services.groups import curators_group_sync

    curators_group_sync()


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = "Arms-export tracker"

    def ready(self):
        # Permissions are created by post_migrate too, so the group is set up after them.
        post_migrate.connect(_sync_curators_group, sender=self)
