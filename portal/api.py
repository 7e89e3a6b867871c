"""The JSON API at /api/v1/ (django-ninja). Each app adds its router here."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.responses import Status
from ninja.security import django_auth
from wagtail.api.v3.auth import BearerTokenAuth

from .services import realtime_ticket_issue

api = NinjaAPI(
    title="Major-project service portal API",
    version="1",
    urls_namespace="api-v1",
    description=str(
        _("Projects, approvals, meetings and their event streams. Bearer tokens or session.")
    ),
)

# Bearer tokens for programs; the session (with CSRF) for the browser.
bearer_or_session = [BearerTokenAuth(), django_auth]


class TicketOut(Schema):
    ticket: str
    expires_at: datetime


@api.post("/realtime/ticket", response={201: TicketOut}, auth=BearerTokenAuth(), tags=["realtime"])
def realtime_ticket(request):
    """A one-time ticket, valid 30 seconds, to open `/ws/events/?ticket=...` without a cookie."""
    ticket, expires_at = realtime_ticket_issue(actor=request.user)
    return Status(201, {"ticket": ticket, "expires_at": expires_at})
