"""The portal's URLs plus minimal views: the baseline the benchmarks divide by."""

from functools import cache

from django.http import HttpResponse, JsonResponse
from django.template import engines
from django.urls import path

from portal.site.urls import urlpatterns as portal_urlpatterns


def minimal(request):
    # Reads the user like every authenticated endpoint (session and user rows), nothing more.
    return JsonResponse({"ok": True, "authenticated": request.user.is_authenticated})


_EMPTY_PAGE = '{% extends "base.html" %}{% block content %}<p>bench</p>{% endblock %}'


@cache
def _empty_page():
    return engines["django"].from_string(_EMPTY_PAGE)


def minimal_page(request):
    # The site's frame (base.html: navigation, language links, user bar) around nothing: what
    # every server-rendered page pays before its own content. Compiled once, like the pages'
    # templates under the cached loader.
    return HttpResponse(_empty_page().render({}, request))


# First: the Wagtail page tree at the end of the portal's patterns catches every other path.
urlpatterns = [
    path("bench/minimal", minimal),
    path("bench/minimal-page", minimal_page),
    *portal_urlpatterns,
]
