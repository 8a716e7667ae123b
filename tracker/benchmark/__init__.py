"""The benchmark behind `manage.py benchmark_api`: a synthetic fill committed into a database of
its own (never the user's), and a table of operations timed through the API and in raw SQL.

Not part of the application: nothing here is imported by the site.
"""
