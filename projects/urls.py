from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_register, name="project_register"),
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path(
        "projects/<int:project_id>/sections/<slug:part>/",
        views.project_section,
        name="project_section",
    ),
    path(
        "projects/<int:project_id>/approvals/<int:approval_id>/transition/",
        views.approval_transition,
        name="approval_transition",
    ),
    path(
        "projects/<int:project_id>/materials/<int:material_id>/upload/",
        views.material_upload,
        name="material_upload",
    ),
    path(
        "projects/<int:project_id>/versions/<int:version_id>/review/",
        views.material_review,
        name="material_review",
    ),
    path("projects/<int:project_id>/comments/", views.comment_add, name="comment_add"),
    path("queue/", views.approval_queue, name="approval_queue"),
    path("accounts/", views.account, name="account"),
    path("accounts/users/", views.users_admin, name="users_admin"),
    path("accounts/users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("accounts/requests/", views.membership_requests, name="membership_requests"),
    path(
        "accounts/requests/<int:request_id>/",
        views.membership_request_decide,
        name="membership_request_decide",
    ),
    path("accounts/memberships/", views.membership_review, name="membership_review"),
    path(
        "accounts/memberships/administrators/",
        views.enterprise_administrator,
        name="enterprise_administrator",
    ),
]
