"""The profile page, requests to contribute for a library and the moderators' queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import translate_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from rest_framework.authtoken.models import Token

from libraries.models import Library

from . import permissions, services
from .choices import AffiliationStatus
from .forms import AffiliationRequestForm, DecisionForm, ProfileForm
from .middleware import set_language_cookie
from .models import Affiliation


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            language = request.user.preferred_language
            target = request.path if not language else translate_url(request.path, language)
            response = redirect(target)
            if language:
                set_language_cookie(response, language)
            else:
                # "Browser's choice": forget the earlier preference, or it would still apply.
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
            return response
    user = request.user
    notifications = list(user.notifications.all()[:20])
    services.mark_notifications_read(user)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "affiliations": user.affiliations.select_related("library"),
            "notifications": notifications,
            "token": Token.objects.filter(user=user).first(),
        },
    )


@login_required
@require_POST
def token_create(request):
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, _("A new API token was created; the old one no longer works."))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_delete(request):
    Token.objects.filter(user=request.user).delete()
    messages.success(request, _("Your API token was deleted."))
    return redirect("accounts:profile")


@login_required
def affiliation_request(request, slug: str):
    library = get_object_or_404(Library, slug=slug)
    if not permissions.can_request_affiliation(request.user, library):
        messages.info(request, _("You already asked to contribute for this library."))
        return redirect(library)
    form = AffiliationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_affiliation(request.user, library, form.cleaned_data["message"])
        except ValidationError as exc:
            form.add_error("message", exc.messages[0])
        else:
            messages.success(request, _("Your request was sent to the moderators."))
            return redirect(library)
    return render(
        request,
        "accounts/affiliation_request.html",
        {
            "form": form,
            "library": library,
        },
    )


@login_required
def moderation(request):
    if not permissions.can_decide_affiliation(request.user):
        raise PermissionDenied(_("Only moderators can see requests to contribute."))
    queryset = Affiliation.objects.select_related("user", "library__country", "decided_by")
    return render(
        request,
        "accounts/moderation.html",
        {
            "pending": queryset.filter(status=AffiliationStatus.PENDING).order_by("created_at"),
            "decided": queryset.exclude(status=AffiliationStatus.PENDING)[:30],
            "form": DecisionForm(),
        },
    )


@login_required
@require_POST
def affiliation_decide(request, pk: int, decision: str):
    affiliation = get_object_or_404(Affiliation.objects.select_related("library", "user"), pk=pk)
    form = DecisionForm(request.POST)
    comment = form.data.get("comment", "")
    actions = {
        "approve": services.approve_affiliation,
        "reject": services.reject_affiliation,
        "revoke": services.revoke_affiliation,
    }
    if decision not in actions:
        raise Http404
    try:
        actions[decision](affiliation, by=request.user, comment=comment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            {
                "approve": _("%(user)s can now contribute for %(library)s."),
                "reject": _("The request of %(user)s was rejected."),
                "revoke": _("%(user)s can no longer contribute for %(library)s."),
            }[decision]
            % {"user": affiliation.user, "library": affiliation.library},
        )
    return redirect("accounts:moderation")


@require_POST
def switch_language(request):
    """Django's language switch, which also remembers the choice in a signed-in profile."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.update_profile(
            request.user, display_name=request.user.display_name, preferred_language=language
        )
    return set_language(request)
