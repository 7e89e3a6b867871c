from django.urls import path

from . import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/track/", views.case_track, name="case_track"),
    path("cases/requests/", views.case_requests, name="case_requests"),
    path("cases/hotline/", views.case_hotline, name="case_hotline"),
    path("cases/new/<int:project_id>/", views.case_new, name="case_new"),
    path("cases/files/<int:attachment_id>/", views.case_attachment, name="case_attachment"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/act/", views.case_act, name="case_act"),
    path("cases/<str:number>/reply/", views.case_reply, name="case_reply"),
]
