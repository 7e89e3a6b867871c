"""State changes owned by the portal glue: realtime tickets."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

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
