from django.urls import path

from .feeds import PublishedFeed
from .views import editing, history, listing, manage, practice

app_name = "practices"

PRACTICE = "<str:code>/"
REVISION = PRACTICE + "revisions/<int:number>/"

urlpatterns = [
    path("", listing.practice_list, name="list"),
    path("export.<str:fmt>", listing.practice_export, name="export"),
    path("map/", listing.practice_map, name="map"),
    path("feed/", PublishedFeed(), name="feed"),
    path("new/", editing.practice_create, name="create"),
    path("import/", manage.practice_import, name="import"),
    path("mine/", manage.my_practices, name="mine"),
    path("review/", manage.review_queue, name="review"),
    path("kinds/", manage.kinds, name="kinds"),
    path(PRACTICE, practice.practice_detail, name="detail"),
    path(PRACTICE + "edit/", editing.practice_edit, name="edit"),
    path(PRACTICE + "history/", history.practice_history, name="history"),
    path(PRACTICE + "compare/", history.revision_compare, name="compare"),
    path(PRACTICE + "comments/", practice.comment_add, name="comment_add"),
    path(PRACTICE + "comments/<int:pk>/hide/", practice.comment_hide, name="comment_hide"),
    path(PRACTICE + "endorse/", practice.endorse, name="endorse"),
    path(PRACTICE + "<str:action>/", practice.practice_action, name="action"),
    path(REVISION, history.revision_detail, name="revision"),
    path(REVISION + "<str:action>/", history.revision_action, name="revision_action"),
]
