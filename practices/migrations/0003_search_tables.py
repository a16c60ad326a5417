"""Search tables: the published text moves out of practices_practice into the search tables
(see practices/search.py), so that the table the list sorts and joins stays narrow.

PostgreSQL: `practices_search` holds a weighted search vector per practice (title A, the rest D)
with a GIN index, and a short one (title A, summary, tags and institutions B) that ranks the
matches without reading whole texts again. A trigger
removes a practice's vector with it. SQLite: the FTS5 table already holds the text; its rank
becomes bm25 with the title weighted.
"""

import django.contrib.postgres.search
import django.db.models.deletion
import practices.models
from django.db import migrations, models

PG_CREATE = [
    "DROP INDEX IF EXISTS practice_search_gin",
    # Rows of up to 8 kB stay in the table uncompressed (the default compresses from 2 kB):
    # a search reads every vector of a common word, and decompressing them doubled its time.
    "CREATE TABLE IF NOT EXISTS practices_search ("
    " practice_id bigint PRIMARY KEY, document tsvector NOT NULL, head tsvector NOT NULL)"
    " WITH (toast_tuple_target = 8160)",
    "CREATE INDEX IF NOT EXISTS practices_search_gin ON practices_search USING GIN (document)",
    """
    CREATE OR REPLACE FUNCTION practices_search_remove() RETURNS trigger AS $$
    BEGIN
        DELETE FROM practices_search WHERE practice_id = OLD.id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS practices_search_delete ON practices_practice",
    "CREATE TRIGGER practices_search_delete AFTER DELETE ON practices_practice"
    " FOR EACH ROW EXECUTE FUNCTION practices_search_remove()",
]
# The published practices already there (as practices.search.index_many writes them).
PG_BACKFILL = (
    "INSERT INTO practices_search (practice_id, document, head) VALUES (%s, "
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'D'), "
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B'))"
)
PG_DROP = [
    "DROP TRIGGER IF EXISTS practices_search_delete ON practices_practice",
    "DROP FUNCTION IF EXISTS practices_search_remove()",
    "DROP TABLE IF EXISTS practices_search",
]
# FTS5 remembers its rank function: `rank` is then bm25 with the title weighted 10 to 1.
SQLITE_RANK = (
    "INSERT INTO practices_practice_fts(practices_practice_fts, rank) "
    "VALUES ('rank', 'bm25(10.0, 1.0)')"
)
SQLITE_DEFAULT_RANK = (
    "INSERT INTO practices_practice_fts(practices_practice_fts, rank) VALUES ('rank', 'bm25()')"
)


def _texts(practice_id: int, content: dict) -> tuple:
    """(id, title, everything, title, summary-tags-institutions), as search.index_many
    writes them, from the published revision itself."""
    from libraries.models import normalise

    names = [i.get("name", "") for i in content.get("institutions", [])]
    head = [content.get("summary", ""), *content.get("tags", []), *names]
    everything = [content.get("title", ""), content.get("summary", ""), content.get("body", "")]
    everything += [*names, *content.get("tags", [])]
    title = normalise(content.get("title", ""))

    def words(parts):
        return normalise(" ".join(p for p in parts if p))

    return (practice_id, title, words(everything), title, words(head))


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in PG_CREATE:
            schema_editor.execute(statement)
        Practice = apps.get_model("practices", "Practice")
        rows = [
            _texts(p.pk, p.published.content)
            for p in Practice.objects.exclude(published=None).select_related("published")
        ]
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(PG_BACKFILL, rows)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_RANK)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in PG_DROP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DEFAULT_RANK)


class Migration(migrations.Migration):

    dependencies = [
        ('practices', '0002_search_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('practice', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_document', serialize=False, to='practices.practice')),
                ('document', django.contrib.postgres.search.SearchVectorField()),
                ('head', django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                'db_table': 'practices_search',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('practice', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='practices.practice')),
                ('document', practices.models.FullTextMatchField(db_column='practices_practice_fts')),
                ('rank', models.FloatField()),
            ],
            options={
                'db_table': 'practices_practice_fts',
                'managed': False,
            },
        ),
        migrations.AddIndex(
            model_name='practice',
            index=models.Index(fields=['status', 'published_at', 'id'], name='practice_status_pub_idx'),
        ),
        migrations.RunPython(create, drop),
        migrations.RemoveField(model_name="practice", name="search_text"),
        migrations.RemoveField(model_name="practice", name="search_title"),
    ]
