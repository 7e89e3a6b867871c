"""Close a user's sockets when their session ends, on whichever process holds them."""

import hashlib

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import User
from .realtime import send_to_groups_on_commit, user_group
from .services import api_tokens_revoke_all


def session_fingerprint(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


@receiver(user_logged_out)
def close_sockets_of_ended_session(sender, request, user, **kwargs):
    if user is None or request is None:
        return
    send_to_groups_on_commit(
        [user_group(user.pk)],
        {"type": "session.ended", "session": session_fingerprint(request.session.session_key)},
    )


@receiver(pre_save, sender=User)
def revoke_tokens_when_password_or_activity_changes(
    sender, instance, raw=False, update_fields=None, **kwargs
):
    """A new password or a deactivation ends every API token, whichever path made it (the
    password pages, a reset link, the back office, a service)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in: no query for it
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        api_tokens_revoke_all(instance.pk)
