"""The portal's URLs plus a minimal view: the baseline the benchmarks divide by."""

from django.http import JsonResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def minimal(request):
    # Reads the user like every authenticated endpoint (session and user rows), nothing more.
    return JsonResponse({"ok": True, "authenticated": request.user.is_authenticated})


# First: the Wagtail page tree at the end of the portal's patterns catches every other path.
urlpatterns = [path("bench/minimal", minimal), *portal_urlpatterns]
