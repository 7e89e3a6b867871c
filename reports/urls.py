from django.urls import include, path

urlpatterns = [
    path("", include("reports.urls_statistics")),
    path("", include("reports.urls_open")),
]
