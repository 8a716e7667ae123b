"""The curation admin: one module per domain, sharing the base in base.py."""

from django.contrib import admin

from . import events, items, organizations, reference, sources, tokens  # noqa: F401 (registers)

admin.site.site_header = "Arms-export tracker curation"
admin.site.site_title = "Arms-export tracker"
admin.site.index_title = "Curated records"
