from django.urls import path

from . import open_views

urlpatterns = [
    path("open/", open_views.open_index, name="open_index"),
    path("open/data.csv", open_views.open_data_csv, name="open_data_csv"),
    path("open/data.json", open_views.open_data_json, name="open_data_json"),
    path("open/lookup/", open_views.open_lookup, name="open_lookup"),
    path(
        "projects/<int:project_id>/enquiry-code/",
        open_views.project_enquiry_code_reset_view,
        name="project_enquiry_code_reset",
    ),
]
