"""Reading external datasets into typed records for the loaders (pure Python, no database).

- ``sipri``: the SIPRI Arms Transfers Database, both export formats (``sipri_read``), with
  - ``sipri.names``: SIPRI party names -> ISO codes, non-state parties, user-assigned codes;
  - ``sipri.comments``: models behind generic designations, destination platforms, families;
  - ``sipri.categories``: SIPRI weapon descriptions -> Wassenaar ML category where certain;
  - ``sipri.benchmark``: ``python -m tracker.services.imports.sipri.benchmark PATH`` prints
    deals per second (wall and CPU) per stage.
- ``uk_control_list``: the UK control-list ratings -> control-list categories.

Readers never write: they return records plus a report naming every row they could not read by
line number and field, and the loader decides what to store.
"""
