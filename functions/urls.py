from django.urls import path

from .views import explore, manage, profiles

app_name = "functions"

PROFILE = "libraries/<slug:slug>/profile/<int:year>/"

urlpatterns = [
    path("functions/", explore.framework, name="framework"),
    path("functions/export.<str:fmt>", explore.framework, name="framework_export"),
    path("functions/new/", manage.item_form, name="item_create"),
    path("functions/editions/new/", manage.edition_publish, name="edition_publish"),
    path("functions/review/", manage.review, name="review"),
    path("functions/rounds/new/", manage.round_form, name="round_create"),
    path("functions/rounds/<int:year>/edit/", manage.round_form, name="round_edit"),
    path("functions/rounds/<int:year>/export.<str:fmt>", manage.round_export, name="round_export"),
    path("functions/rounds/<int:year>/import/", manage.round_import, name="round_import"),
    path("functions/<str:code>/", explore.item_detail, name="item"),
    path("functions/<str:code>/export.<str:fmt>", explore.item_detail, name="item_export"),
    path("functions/<str:code>/edit/", manage.item_form, name="item_edit"),
    path("compare/", explore.compare, name="compare"),
    path("compare/export.<str:fmt>", explore.compare, name="compare_export"),
    path("positions/", explore.positions, name="positions"),
    path("positions/export.<str:fmt>", explore.positions, name="positions_export"),
    path("legal-deposit/", explore.legal_deposit, name="legal_deposit"),
    path("legal-deposit/export.<str:fmt>", explore.legal_deposit, name="legal_deposit_export"),
    path("participation/", explore.participation, name="participation"),
    path("participation/export.<str:fmt>", explore.participation, name="participation_export"),
    path(PROFILE, profiles.profile_detail, name="profile"),
    path(PROFILE + "start/", profiles.profile_start, name="profile_start"),
    path(PROFILE + "edit/<str:area>/", profiles.profile_edit, name="profile_edit"),
    path(PROFILE + "import/", profiles.profile_import, name="profile_import"),
    path(PROFILE + "history/", profiles.profile_history, name="profile_history"),
    path(PROFILE + "export.<str:fmt>", profiles.profile_export, name="profile_export"),
    path(PROFILE + "<str:action>/", profiles.profile_action, name="profile_action"),
]
