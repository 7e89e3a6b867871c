"""Close a user's sockets when their session ends, on whichever process holds them."""

import hashlib

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .realtime import send_to_groups_on_commit, user_group


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
