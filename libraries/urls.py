from django.urls import path

from . import views

app_name = "libraries"

urlpatterns = [
    path("", views.library_list, name="list"),
    path("export.<str:fmt>", views.library_export, name="export"),
    path("map/", views.library_map, name="map"),
    path("new/", views.library_create, name="create"),
    path("<slug:slug>/", views.library_detail, name="detail"),
    path("<slug:slug>/edit/", views.library_edit, name="edit"),
    path("<slug:slug>/verify/", views.library_verify, name="verify"),
    path("<slug:slug>/history/", views.library_history, name="history"),
    path("<slug:slug>/memberships/new/", views.membership_add, name="membership_add"),
    path("<slug:slug>/memberships/<int:pk>/", views.membership_edit, name="membership_edit"),
]
