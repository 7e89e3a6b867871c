from django.urls import path

from . import board_views

urlpatterns = [
    path("supervision/", board_views.supervision_board, name="supervision_board"),
]
