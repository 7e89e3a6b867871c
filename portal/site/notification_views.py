"""The notification centre's pages: a person's notifications and their email preferences."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import notifications as centre
from portal.events import stream_heads, user_stream
from portal.streams import notification_link, notification_reasons

PER_PAGE = 25


def _reason_filter(request) -> str:
    reason = request.GET.get("reason") or request.POST.get("reason") or ""
    return reason if reason in notification_reasons() else ""


def _back(request, reason: str):
    url = reverse("notifications")
    page = request.POST.get("page") or ""
    query = {k: v for k, v in (("reason", reason), ("page", page)) if v}
    return redirect(f"{url}?{urlencode(query)}" if query else url)


@login_required
def notifications(request):
    """The person's notifications, newest first, unread marked, filtered by reason."""
    reason = _reason_filter(request)
    page = Paginator(centre.notifications_of(request.user, reason=reason), PER_PAGE).get_page(
        request.GET.get("page")
    )
    reasons = notification_reasons()
    rows = [
        {
            "notification": note,
            "link": notification_link(note.event),
            "reason": str(reasons[note.reason].label) if note.reason in reasons else note.reason,
        }
        for note in page.object_list
    ]
    stream = user_stream(request.user.pk)
    return render(
        request,
        "portal/notifications.html",
        {
            "page": page,
            "rows": rows,
            "reason": reason,
            "reasons": sorted(reasons.values(), key=lambda r: str(r.label)),
            "query": urlencode({"reason": reason}) if reason else "",
            "stream": stream,
            "stream_seq": stream_heads([stream])[stream],
        },
    )


@login_required
@require_POST
def notification_read(request, notification_id: int):
    """Mark one of the person's notifications read; another person's is not found."""
    marked = centre.notification_mark_read(actor=request.user, notification_id=notification_id)
    if not marked and not centre.notifications_of(request.user).filter(pk=notification_id).exists():
        raise Http404
    return _back(request, _reason_filter(request))


@login_required
@require_POST
def notifications_read_all(request):
    """Mark all (of the chosen reason) read."""
    reason = _reason_filter(request)
    count = centre.notifications_mark_all_read(actor=request.user, reason=reason)
    if count:
        messages.success(
            request,
            ngettext(
                "Marked %(count)d notification read.", "Marked %(count)d notifications read.", count
            )
            % {"count": count},
        )
    return _back(request, reason)


@login_required
def notification_preferences(request):
    """Per reason: shown in the portal always; email at once, in the daily digest, or not."""
    rows = centre.preferences_of(request.user)
    errors = {}
    if request.method == "POST":
        chosen = {}
        for reason, _current in rows:
            value = request.POST.get(f"email-{reason.code}", "")
            if value not in centre.EMAIL_CHOICES:
                errors[reason.code] = _("Choose one of the options.")
            chosen[reason.code] = value
        if not errors:
            centre.preferences_set(actor=request.user, choices=chosen)
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notification_preferences")
        rows = [(reason, chosen.get(reason.code, current)) for reason, current in rows]
    return render(
        request,
        "portal/notification_preferences.html",
        {
            "rows": [
                {"reason": reason, "choice": choice, "error": errors.get(reason.code)}
                for reason, choice in rows
            ],
            "choices": centre.email_choice_labels(),
        },
        status=400 if errors else 200,
    )


# Included once by portal/site/urls.py, under the language prefix.
urlpatterns = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/<int:notification_id>/read/", notification_read, name="notification_read"),
    path("notifications/read-all/", notifications_read_all, name="notifications_read_all"),
    path("notifications/preferences/", notification_preferences, name="notification_preferences"),
]
