from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.token_create, name="token_create"),
    path("profile/token/delete/", views.token_delete, name="token_delete"),
    path("contribute/<slug:slug>/", views.affiliation_request, name="affiliation_request"),
    path("moderation/", views.moderation, name="moderation"),
    path(
        "moderation/<int:pk>/<str:decision>/", views.affiliation_decide, name="affiliation_decide"
    ),
]
