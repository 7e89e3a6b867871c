from django.urls import include, path

urlpatterns = [
    path("", include("supervision.urls_cases")),
    path("", include("supervision.urls_board")),
    path("", include("supervision.urls_ratings")),
]
