from django.contrib.auth.views import LoginView
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import channel_layer_status, database_status


@never_cache
@require_safe
def healthz(request):
    """Readiness: 503 only when the database is down.

    An unreachable channel layer is reported but the site keeps serving: changes still
    commit, and clients catch up from the event log when it comes back.
    """
    database = database_status()
    body = {
        "status": "ok" if database == "ok" else "down",
        "database": database,
        "channel_layer": channel_layer_status(),
    }
    if database == "ok":
        from django_tasks_db.models import DBTaskResult

        body["tasks_waiting"] = DBTaskResult.objects.filter(status="READY").count()
    return JsonResponse(body, status=200 if database == "ok" else 503)


class PortalLoginView(LoginView):
    """Log in and land on the home page in the language of the login page."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("wagtail_serve", args=[""])
