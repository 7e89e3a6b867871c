"""State changes owned by the shared base: realtime tickets and API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import APIToken

from .errors import NotVisible, TransitionRefused
from .models import RealtimeTicket, User


def _ticket_digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def realtime_ticket_issue(*, actor: User) -> tuple[str, datetime]:
    """Issue a one-time websocket ticket for `actor`, valid REALTIME_TICKET_SECONDS."""
    ticket = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=settings.REALTIME_TICKET_SECONDS)
    RealtimeTicket.objects.create(
        user=actor, key_hash=_ticket_digest(ticket), expires_at=expires_at
    )
    return ticket, expires_at


def realtime_ticket_redeem(*, ticket: str) -> User | None:
    """Spend a ticket: its active user, or None if unknown, used, expired or inactive."""
    if not ticket or len(ticket) > 200:
        return None
    now = timezone.now()
    with transaction.atomic():
        row = (
            RealtimeTicket.objects.select_for_update()
            .select_related("user")
            .filter(key_hash=_ticket_digest(ticket))
            .first()
        )
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        row.used_at = now
        row.save(update_fields=["used_at"])
    return row.user if row.user.is_active else None


# --- API tokens -------------------------------------------------------------------------------


def api_tokens_live(user) -> QuerySet[APIToken]:
    """The user's tokens that still open the API: not revoked, not expired."""
    since = timezone.now() - timedelta(days=settings.API_TOKEN_DAYS)
    return APIToken.objects.filter(user=user, revoked_at__isnull=True, created__gte=since)


def api_token_expires_at(token: APIToken) -> datetime:
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


def api_token_create(*, actor: User, name: str) -> tuple[APIToken, str]:
    """A new bearer token for `actor` (shown once); refused past API_TOKENS_PER_USER."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one creation at a time
        if api_tokens_live(actor).count() >= settings.API_TOKENS_PER_USER:
            raise TransitionRefused(
                _("You have %(count)d live tokens, the most allowed: revoke one first.")
                % {"count": settings.API_TOKENS_PER_USER},
                code="too_many_tokens",
            )
        return APIToken.create_token(user=actor, name=(name or "API")[:100])


def api_token_revoke(*, actor: User, token_id: int) -> None:
    """The owner revokes one of their tokens; someone else's is not found."""
    with transaction.atomic():
        token = (
            APIToken.objects.select_for_update()
            .filter(pk=token_id, user=actor, revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise NotVisible(_("Token not found."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_tokens_revoke_all(user_id: int) -> int:
    """Every live token of a person stops working (password changed, account deactivated)."""
    return APIToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
