"""REST API for case studies and best practices: read, write through the services with
If-Match, moderation, proposed edits, revisions, comments, endorsements, export and import,
and the dashboard's figures.

Visitors see published and archived practices; drafts are seen by their authors and
moderators. Authors and moderators edit directly (PUT/PATCH with If-Match); other members
propose an edit, which a moderator accepts or declines.

- `practices`: the view set and the CSV renderer of its export;
- `serializers`: what each endpoint reads and answers, and the querysets they expect;
- `schema`: the drf-spectacular pieces (named enums, the export's filters, path parameters).
"""

# `schema` registers its drf-spectacular extension when imported: keep it imported here.
from . import schema  # noqa: F401
from .practices import PracticeViewSet

__all__ = ["PracticeViewSet"]
