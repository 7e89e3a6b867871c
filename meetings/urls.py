from django.urls import path

from . import views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:action_id>/close/", views.action_close, name="action_close"),
    path("calendar/new-address/", views.calendar_regenerate, name="calendar_regenerate"),
]
