"""The ratings' pages (好差评): under the language prefix (zh bare, /en/...)."""

from django.urls import path

from . import rating_views

urlpatterns = [
    path("ratings/", rating_views.rating_list, name="rating_list"),
    path(
        "ratings/approval/<int:approval_id>/", rating_views.rating_approval, name="rating_approval"
    ),
    path("ratings/case/<int:case_id>/", rating_views.rating_case, name="rating_case"),
    path(
        "ratings/<int:rating_id>/follow-up/",
        rating_views.rating_follow_up,
        name="rating_follow_up",
    ),
]
