from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from cms.feeds import UpdatesFeed
from cms.visitor_cache import cached_for_visitors
from meetings import views as meeting_views
from portal.accounts import QueuedPasswordResetForm
from projects import views as project_views

from . import two_factor_views
from .api import api
from .views import PortalLoginView, csp_report, healthz, lockouts, token_revoke

cached_serve = cached_for_visitors(wagtail_views.serve)

# Machine routes: never language-prefixed.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp_report"),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    path("sitemap.xml", cms_views.sitemap, name="sitemap"),
    path("files/<int:file_id>/", project_views.file_download, name="file_download"),
    path("meetings/<int:meeting_id>.ics", meeting_views.meeting_ics, name="meeting_ics"),
    path("calendar/<str:secret>.ics", meeting_views.calendar_feed, name="calendar_feed"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Human pages: Chinese at the bare path, English under /en/.
urlpatterns += i18n_patterns(
    path(
        "accounts/login/",
        PortalLoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/lockouts/", lockouts, name="lockouts"),
    path("accounts/tokens/<int:token_id>/revoke/", token_revoke, name="token_revoke"),
    # After the password (every login page leads here: portal/two_factor.py), and setting up.
    path("accounts/two-factor/", two_factor_views.two_factor, name="two_factor"),
    path(
        "accounts/two-factor/verify/",
        two_factor_views.two_factor_verify,
        name="two_factor_verify",
    ),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("projects.urls")),
    path("", include("meetings.urls")),
    path("", include("supervision.urls")),
    path("", include("reports.urls")),
    path("", include("portal.site.notification_views")),
    # The public portal (cms): guides from the catalogue, search, feeds; the policy library is
    # a Wagtail page, named here for the navigation.
    path("policies/", cached_serve, {"path": "policies/"}, name="policy_index"),
    path("guide/", cached_for_visitors(cms_views.guide_index), name="guide_index"),
    path("guide/<str:code>/", cached_for_visitors(cms_views.guide_detail), name="guide_detail"),
    path(
        "search/",
        cached_for_visitors(cms_views.search, query=cms_views.search_cache_query),
        name="search",
    ),
    path("feeds/<slug:kind>/", UpdatesFeed(), name="cms_feed"),
    # Wagtail's page tree is last: it catches every other path (a visitor's page from the
    # cache, cms/visitor_cache.py); then Wagtail's own routes (its password and login forms).
    re_path(r"^(?!_util/)" + wagtail_urls.serve_pattern[1:], cached_serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
