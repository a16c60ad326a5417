"""Full-text search: a GIN index on PostgreSQL, an FTS5 table on SQLite (see practices/search.py)."""

from django.db import migrations

PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS practice_search_gin ON practices_practice "
    "USING GIN (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
)
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS practices_practice_fts USING fts5("
    "title, text, tokenize='unicode61 remove_diacritics 2')"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INDEX)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS practice_search_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS practices_practice_fts")


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
