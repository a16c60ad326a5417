"""Who may do what in the registry. Views, API and services all ask here."""

from core.permissions import is_moderator

from .models import Library

# Fields a library's own contributors may change; identity fields stay with moderators.
CONTRIBUTOR_FIELDS = (
    "name",
    "native_name",
    "city",
    "founded",
    "website",
    "isil",
    "latitude",
    "longitude",
    "description",
)
MODERATOR_FIELDS = (*CONTRIBUTOR_FIELDS, "country", "wikidata_qid", "source_note")


def is_contributor_for(user, library: Library) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    ids = getattr(user, "_affiliated_library_ids", None)
    if ids is None:
        ids = set(user.affiliations.filter(status="approved").values_list("library_id", flat=True))
        user._affiliated_library_ids = ids  # cached for the request: asked once per page
    return library.pk in ids


def can_view_library(user, library: Library) -> bool:
    return True  # the registry is public


def can_edit_library(user, library: Library) -> bool:
    return is_moderator(user) or is_contributor_for(user, library)


def editable_fields(user, library: Library | None) -> tuple[str, ...]:
    if is_moderator(user):
        return MODERATOR_FIELDS
    if library is not None and is_contributor_for(user, library):
        return CONTRIBUTOR_FIELDS
    return ()


def can_create_library(user) -> bool:
    return is_moderator(user)


def can_verify_facts(user, library: Library) -> bool:
    return is_moderator(user)


def can_manage_memberships(user, library: Library | None = None) -> bool:
    return is_moderator(user)


def can_edit_organisation(user, organisation=None) -> bool:
    return is_moderator(user)


def editable_libraries(user):
    """The libraries this user may edit."""
    if is_moderator(user):
        return Library.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Library.objects.none()
    return Library.objects.filter(affiliations__user=user, affiliations__status="approved")
