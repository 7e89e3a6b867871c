"""One way to email a person: in their language, rendered as plain text, sent by the worker.

Text emails are rendered without HTML escaping (a name with quotes reads as typed), and
links are absolute, on the configured public address.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from .events import replaying_history


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def page_url(url_name: str, language: str, *args, **kwargs) -> str:
    """The absolute address of a page in the given language."""
    with translation.override(language):
        path = reverse(url_name, args=args or None, kwargs=kwargs or None)
    return absolute_url(path)


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template, rendered without HTML escaping."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def send_to(
    user,
    template_prefix: str,
    context: dict,
    *,
    attachments: Iterable[tuple[str, str | bytes, str]] = (),
) -> bool:
    """Email `user` the templates `<prefix>_subject.txt` and `<prefix>.txt` in their language.

    Returns False (and sends nothing) for a person without an address.
    """
    if not user.email:
        return False
    with translation.override(language_of(user)):
        subject = render_text(f"{template_prefix}_subject.txt", context)
        body = render_text(f"{template_prefix}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
    return True


def enqueue_after_commit(task_function, *args) -> None:
    """Hand a task to the worker after commit; nothing while history is replayed (it is past)."""
    if replaying_history():
        return
    transaction.on_commit(lambda: task_function.enqueue(*args), robust=True)
