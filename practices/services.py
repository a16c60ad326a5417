"""Every write to practices: validate, check permission, write a revision, log, notify.

Each state change is a small named function (start, edit, submit, approve, reject, archive,
propose, accept, decline, revert_to) that checks permission first, changes state and logs once.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import moderators, notify
from core.choices import ChangeAction
from core.services import actor_name, check_version, lock, record_change
from libraries.models import Country, Library

from . import permissions, search
from .choices import PracticeStatus, ProposalStatus, RevisionKind
from .content import FIELDS, References, clean_content
from .models import Comment, Endorsement, Kind, Practice, PracticeView, Revision

MAX_COMMENT = 10_000
BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|monitor|headless|curl|wget|python-requests|httpx", re.I
)


def references() -> References:
    """What content may refer to, read in a few queries for a whole form or import."""
    from functions.models import Area, Item

    return References(
        countries=Country.objects.values_list("iso2", flat=True),
        libraries=Library.objects.values_list("slug", flat=True),
        kinds=Kind.objects.values_list("slug", flat=True),
        areas=Area.objects.values_list("code", flat=True),
        items=Item.objects.values_list("code", flat=True),
        languages=language_codes(),
    )


def language_codes() -> set[str]:
    import pycountry

    return {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}


# Writing revisions ---------------------------------------------------------------------------


def _new_revision(
    practice, content, *, user, kind, reason, status=ProposalStatus.ACCEPTED, based_on=None
) -> Revision:
    number = (
        practice.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    return Revision.objects.create(
        practice=practice,
        number=number,
        content=content,
        kind=kind,
        status=status,
        based_on=based_on,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        author_name=actor_name(user),
        message=reason.strip()[:2000],
    )


def _apply(
    practice: Practice,
    revision: Revision,
    *,
    user,
    reason: str,
    action=ChangeAction.UPDATE,
    publish: bool | None = None,
) -> Practice:
    """Make `revision` the working copy (and the published one when the practice is live), log
    the difference, and bump the version. Call inside a transaction with `practice` locked."""
    before = practice.snapshot()
    practice.current = revision
    practice.kind = Kind.objects.get(slug=revision.content["kind"])
    live = practice.status == PracticeStatus.PUBLISHED if publish is None else publish
    if live:
        _publish_revision(practice, revision)
    elif practice.published_id is None:
        # Never published: its name everywhere (notifications, the log, "my practices") is
        # the working title.
        practice.title, practice.summary = revision.content["title"], revision.content["summary"]
    practice.version += 1
    practice.save()
    after = practice.snapshot()
    record_change(
        user=user,
        action=action,
        obj=practice,
        before={k: v for k, v in before.items() if after.get(k) != v},
        after={k: v for k, v in after.items() if before.get(k) != v},
        reason=reason,
    )
    return practice


def _publish_revision(practice: Practice, revision: Revision) -> None:
    """Copy what lists, facets and search read from the revision visitors will see."""
    from functions.models import Area, Item

    content = revision.content
    practice.published = revision
    practice.title = content["title"]
    practice.summary = content["summary"]
    practice.language = content["language"]
    practice.project_status = content.get("project_status") or ""
    practice.start_year = content.get("start_year")
    practice.end_year = content.get("end_year")
    if practice.pk:
        _set_relations(practice, content, Area, Item)
    else:
        practice._pending_relations = content


def _set_relations(practice, content, Area, Item) -> None:
    slugs = [i["library"] for i in content.get("institutions", []) if i.get("library")]
    practice.countries.set(content.get("countries", []))
    practice.libraries.set(Library.objects.filter(slug__in=slugs))
    practice.areas.set(Area.objects.filter(code__in=content.get("areas", [])))
    practice.items.set(Item.objects.filter(code__in=content.get("items", [])))
    search.index(practice)


def _clean(data: dict, refs: References | None = None) -> dict:
    return clean_content(data, refs or references())


# Lifecycle -----------------------------------------------------------------------------------


WRITTEN_AS = (RevisionKind.EDIT, RevisionKind.IMPORT, RevisionKind.SEED)


def start_practice(
    data: dict, *, user, reason: str = "", revision_kind: str = RevisionKind.EDIT
) -> Practice:
    """A member starts a practice: a draft only its authors and moderators can see. An import
    or the seed data say so in `revision_kind`, which the history shows."""
    if revision_kind not in WRITTEN_AS:
        raise ValueError(f"A practice is not started as a {revision_kind!r} revision.")
    if not permissions.can_start(user):
        raise PermissionDenied(_("Sign in with a confirmed e-mail address to start a practice."))
    content = _clean(data)
    with transaction.atomic():
        practice = Practice(kind=Kind.objects.get(slug=content["kind"]), created_by=_person(user))
        practice.save()
        if _person(user):
            practice.authors.add(user)
        revision = _new_revision(
            practice,
            content,
            user=user,
            kind=revision_kind,
            reason=reason or _("Practice started"),
        )
        practice.current = revision
        practice.title = content["title"]
        practice.save()
        record_change(
            user=user,
            action=ChangeAction.CREATE,
            obj=practice,
            before=None,
            after=practice.snapshot(),
            reason=reason or _("Practice started"),
        )
        return practice


def _person(user):
    return user if getattr(user, "is_authenticated", False) else None


def edit_practice(
    practice: Practice,
    data: dict,
    *,
    user,
    reason: str,
    expected_version: int | None,
    revision_kind: str = RevisionKind.EDIT,
) -> Practice:
    """Authors and moderators edit directly; the edit is live at once on a published practice."""
    if revision_kind not in WRITTEN_AS:
        raise ValueError(f"A practice is not edited as a {revision_kind!r} revision.")
    if not permissions.can_edit(user, practice):
        raise PermissionDenied(_("Only the authors and moderators edit directly; propose an edit."))
    content = _clean(data)
    with transaction.atomic():
        current = lock(practice)
        check_version(current, expected_version)
        if current.current and current.current.content == content:
            return current
        revision = _new_revision(
            current,
            content,
            user=user,
            kind=revision_kind,
            reason=reason,
            based_on=current.current,
        )
        return _apply(current, revision, user=user, reason=reason)


def submit_practice(
    practice: Practice, *, user, expected_version: int | None, tell_moderators: bool = True
) -> Practice:
    if not permissions.can_submit(user, practice):
        raise PermissionDenied(_("Only the authors can submit this practice."))
    if practice.status != PracticeStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    saved = _set_status(
        practice,
        PracticeStatus.SUBMITTED,
        user=user,
        reason=_("Submitted for review"),
        expected_version=expected_version,
        submitted_at=timezone.now(),
    )
    for moderator in moderators() if tell_moderators else ():
        notify(
            moderator,
            _("“%(t)s” was submitted for review.") % {"t": saved},
            url=saved.get_absolute_url(),
        )
    return saved


def approve_practice(
    practice: Practice, *, user, comment: str = "", expected_version: int | None
) -> Practice:
    if not permissions.can_moderate(user, practice):
        raise PermissionDenied(_("Only moderators publish practices."))
    if practice.status not in (PracticeStatus.SUBMITTED, PracticeStatus.ARCHIVED):
        raise ValidationError(_("Only a submitted or archived practice can be published."))
    with transaction.atomic():
        current = lock(practice)
        check_version(current, expected_version)
        before = current.snapshot()
        current.status = PracticeStatus.PUBLISHED
        current.review_comment = comment.strip()
        current.published_at = current.published_at or timezone.now()
        _publish_revision(current, current.current)
        current.version += 1
        current.save()
        record_change(
            user=user,
            action=ChangeAction.UPDATE,
            obj=current,
            before={"status": before["status"]},
            after={"status": current.status},
            reason=_("Published"),
        )
    _notify_authors(current, _("Your practice “%(t)s” is published."), comment)
    return current


def reject_practice(
    practice: Practice, *, user, comment: str, expected_version: int | None
) -> Practice:
    if not permissions.can_moderate(user, practice):
        raise PermissionDenied(_("Only moderators review practices."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    if practice.status != PracticeStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted practice can be sent back."))
    saved = _set_status(
        practice,
        PracticeStatus.DRAFT,
        user=user,
        reason=comment,
        expected_version=expected_version,
        review_comment=comment.strip(),
    )
    _notify_authors(saved, _("Your practice “%(t)s” was sent back."), comment)
    return saved


def archive_practice(
    practice: Practice, *, user, reason: str, expected_version: int | None
) -> Practice:
    if not permissions.can_moderate(user, practice):
        raise PermissionDenied(_("Only moderators archive practices."))
    if practice.status != PracticeStatus.PUBLISHED:
        raise ValidationError(_("Only a published practice can be archived."))
    return _set_status(
        practice,
        PracticeStatus.ARCHIVED,
        user=user,
        reason=reason,
        expected_version=expected_version,
    )


def _set_status(practice, status, *, user, reason, expected_version, **fields) -> Practice:
    with transaction.atomic():
        current = lock(practice)
        check_version(current, expected_version)
        before = current.status
        current.status = status
        for name, value in fields.items():
            setattr(current, name, value)
        current.version += 1
        current.save()
        record_change(
            user=user,
            action=ChangeAction.UPDATE,
            obj=current,
            before={"status": before},
            after={"status": status},
            reason=reason,
        )
        return current


def _notify_authors(practice: Practice, message: str, comment: str = "") -> None:
    text = message % {"t": practice}
    if comment.strip():
        text = f"{text} {comment.strip()}"
    for author in practice.authors.all():
        notify(author, text, url=practice.get_absolute_url())


# Proposed edits ------------------------------------------------------------------------------


def propose_edit(
    practice: Practice, data: dict, *, user, reason: str, based_on: Revision | None = None
) -> Revision:
    """A member who is not an author proposes an edit; a moderator accepts or declines it.

    `based_on` is the revision the member started from (default: the current one), so only what
    they changed counts as their proposal, whatever was saved meanwhile.
    """
    if not permissions.can_propose(user, practice):
        raise PermissionDenied(_("Sign in to propose an edit."))
    if based_on is not None and based_on.practice_id != practice.pk:
        raise ValidationError(_("The revision you started from is not of this practice."))
    content = _clean(data)
    with transaction.atomic():
        revision = _new_revision(
            practice,
            content,
            user=user,
            kind=RevisionKind.PROPOSAL,
            reason=reason,
            status=ProposalStatus.PENDING,
            based_on=based_on or practice.current,
        )
        record_change(
            user=user,
            action=ChangeAction.UPDATE,
            obj=practice,
            before=None,
            after=None,
            reason=_("Edit #%(n)s proposed: %(r)s") % {"n": revision.number, "r": reason},
        )
    for person in {*moderators(), *practice.authors.all()}:
        notify(
            person,
            _("An edit of “%(t)s” was proposed.") % {"t": practice},
            url=revision.get_absolute_url(),
        )
    return revision


def accept_proposal(
    revision: Revision, *, user, comment: str = "", expected_version: int | None
) -> Practice:
    """Apply the fields the proposal changed on top of the current copy. A field someone else
    changed meanwhile is a conflict: nothing is applied and the fields are named."""
    practice = revision.practice
    if not permissions.can_moderate(user, practice):
        raise PermissionDenied(_("Only moderators accept proposed edits."))
    if revision.status != ProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    with transaction.atomic():
        current = lock(practice)
        check_version(current, expected_version)
        merged = merge(
            revision.based_on.content if revision.based_on else {},
            revision.content,
            current.current.content,
        )
        content = _clean(merged)
        revision.status = ProposalStatus.ACCEPTED
        revision.reviewed_by = user if getattr(user, "is_authenticated", False) else None
        revision.review_comment = comment.strip()
        revision.save()
        applied = _new_revision(
            current,
            content,
            user=user,
            kind=RevisionKind.EDIT,
            reason=_("Proposed edit #%(n)s accepted") % {"n": revision.number},
            based_on=current.current,
        )
        saved = _apply(current, applied, user=user, reason=applied.message)
    if revision.created_by:
        notify(
            revision.created_by,
            _("Your edit of “%(t)s” was accepted.") % {"t": saved},
            url=saved.get_absolute_url(),
        )
    return saved


def merge(base: dict, proposal: dict, current: dict) -> dict:
    """Three-way merge by field: the proposal's changes on top of the current content."""
    changed = [k for k in FIELDS if proposal.get(k) != base.get(k)]
    clashes = [
        k for k in changed if current.get(k) != base.get(k) and current.get(k) != proposal.get(k)
    ]
    if clashes:
        raise ValidationError(
            _("Someone changed %(f)s since this edit was proposed; edit by hand instead.")
            % {"f": ", ".join(str(FIELDS[k]) for k in clashes)}
        )
    return {**current, **{k: proposal.get(k) for k in changed}}


def decline_proposal(revision: Revision, *, user, comment: str) -> Revision:
    if not permissions.can_moderate(user, revision.practice):
        raise PermissionDenied(_("Only moderators decline proposed edits."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the edit is declined.")})
    if revision.status != ProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    with transaction.atomic():
        revision.status = ProposalStatus.DECLINED
        revision.reviewed_by = user if getattr(user, "is_authenticated", False) else None
        revision.review_comment = comment.strip()
        revision.save()
        record_change(
            user=user,
            action=ChangeAction.UPDATE,
            obj=revision.practice,
            before=None,
            after=None,
            reason=_("Proposed edit #%(n)s declined: %(c)s")
            % {"n": revision.number, "c": comment.strip()},
        )
    if revision.created_by:
        notify(
            revision.created_by,
            _("Your edit of “%(t)s” was declined: %(c)s") % {"t": revision.practice, "c": comment},
            url=revision.get_absolute_url(),
        )
    return revision


def revert_to(
    practice: Practice, revision: Revision, *, user, reason: str, expected_version: int | None
) -> Practice:
    """A new revision with the content of an earlier one; nothing is ever deleted."""
    if not permissions.can_edit(user, practice):
        raise PermissionDenied(_("Only the authors and moderators can revert."))
    if (
        revision.practice_id != practice.pk
        or revision.status != ProposalStatus.ACCEPTED
        or revision.kind == RevisionKind.PROPOSAL  # never a working copy: its merge is
    ):
        raise ValidationError(_("Only an accepted revision of this practice can be restored."))
    with transaction.atomic():
        current = lock(practice)
        check_version(current, expected_version)
        content = _clean(revision.content)
        message = reason or _("Back to revision %(n)s") % {"n": revision.number}
        new = _new_revision(
            current,
            content,
            user=user,
            kind=RevisionKind.REVERT,
            reason=message,
            based_on=current.current,
        )
        return _apply(current, new, user=user, reason=message, action=ChangeAction.REVERT)


# Discussion ----------------------------------------------------------------------------------


def add_comment(practice: Practice, body: str, *, user) -> Comment:
    if not permissions.can_comment(user, practice):
        raise PermissionDenied(_("Sign in to comment."))
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"body": _("At most %(n)s characters.") % {"n": MAX_COMMENT}})
    comment = Comment.objects.create(
        practice=practice, author=user, author_name=actor_name(user), body=text
    )
    for author in practice.authors.exclude(pk=user.pk):
        notify(
            author,
            _("%(name)s commented on “%(t)s”.") % {"name": comment.author_name, "t": practice},
            url=comment.get_absolute_url(),
        )
    return comment


def hide_comment(comment: Comment, *, user, reason: str) -> Comment:
    if not permissions.can_moderate(user, comment.practice):
        raise PermissionDenied(_("Only moderators hide comments."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the comment is hidden.")})
    with transaction.atomic():
        comment.hidden, comment.hidden_reason = True, reason.strip()[:300]
        comment.version += 1
        comment.save()
        record_change(
            user=user,
            action=ChangeAction.UPDATE,
            obj=comment,
            before={"hidden": False, "body": comment.body},
            after={"hidden": True, "hidden_reason": comment.hidden_reason},
            reason=reason,
        )
    return comment


def endorse(practice: Practice, kind: str, *, user, library: Library | None = None) -> Endorsement:
    if not permissions.can_endorse(user, practice):
        raise PermissionDenied(_("Sign in to endorse a practice."))
    if library is not None and not permissions.works_at(user, library):
        raise ValidationError(
            {"library": _("You can only speak for a library you contribute for.")}
        )
    endorsement = Endorsement(practice=practice, user=user, kind=kind, library=library)
    endorsement.full_clean(exclude=["practice", "user"])
    try:
        with transaction.atomic():
            endorsement.save()
    except IntegrityError as exc:
        raise ValidationError(_("You already said so.")) from exc
    return endorsement


# Views ---------------------------------------------------------------------------------------


def record_view(practice: Practice, request) -> bool:
    """Count one view per visitor and day; bots are not counted. Returns whether it counted."""
    agent = request.headers.get("User-Agent", "")
    if not agent or BOT.search(agent) or request.method != "GET":
        return False
    day = timezone.now().date()
    address = request.META.get("REMOTE_ADDR", "")
    visitor = hashlib.sha256(f"{settings.SECRET_KEY}|{day}|{address}|{agent}".encode()).hexdigest()[
        :32
    ]
    try:
        with transaction.atomic():
            PracticeView.objects.create(practice=practice, day=day, visitor=visitor)
    except IntegrityError:
        return False
    Practice.objects.filter(pk=practice.pk).update(view_count=F("view_count") + 1)
    return True


# Kinds of practice ---------------------------------------------------------------------------


def create_kind(slug: str, name: str, *, user, translations: dict | None = None) -> Kind:
    """Moderators add kinds of practice (e.g. "preservation practice")."""
    from core.services import create_object

    if not permissions.can_moderate(user):
        raise PermissionDenied(_("Only moderators add kinds of practice."))
    if Kind.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("The code %(s)s is already used.") % {"s": slug}})
    position = Kind.objects.order_by("-position").values_list("position", flat=True).first() or 0
    kind = Kind(
        slug=slug, name=name.strip(), translations=translations or {}, position=position + 1
    )
    return create_object(kind, user=user, reason=_("Kind of practice added"))
