from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("changes/", views.change_list, name="changes"),
    path("changes/feed/", views.ChangeFeed(), name="changes_feed"),
    path("changes/<int:pk>/", views.change_detail, name="change"),
    path("changes/<int:pk>/revert/", views.change_revert, name="change_revert"),
]
