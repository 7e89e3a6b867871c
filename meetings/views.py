"""Pages and calendar files of meetings and visits. Thin: forms, selectors, services."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from portal.accounts import PortalBearerAuth
from portal.dates import EARLIEST, check_date, latest
from portal.errors import refusal_shown
from portal.events import stream_heads
from projects.pickers import (
    DepartmentField,
    DepartmentsField,
    PeopleField,
    PersonField,
    ProjectsField,
)
from projects.selectors import projects_visible_to

from . import ical, selectors, services
from . import permissions as perms
from .models import CalendarFeed, Meeting, Participant, new_calendar_secret


def calendar_feed_url(user) -> str:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("calendar_feed", args=[feed.secret])


# --- forms ------------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Meeting.Kind.choices)
    start = forms.DateTimeField(
        label=gettext_lazy("Start (Beijing time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=gettext_lazy("End"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(
        label=gettext_lazy("Place (empty for a site visit: the project site)"),
        max_length=200,
        required=False,
    )
    projects = ProjectsField(label=gettext_lazy("Projects"), required=False)
    participants = PeopleField(
        label=gettext_lazy("People"), roles=selectors.ATTENDING_ROLES, required=False
    )
    departments = DepartmentsField(
        label=gettext_lazy("Departments (their officers are invited)"),
        with_officers=True,
        required=False,
    )
    draft = forms.BooleanField(
        label=gettext_lazy("Save as a draft (no invitations yet)"), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = (
            projects_visible_to(user).select_related("enterprise").order_by("code")
        )
        # The organiser is there anyway: not offered as a participant.
        participants = self.fields["participants"]
        participants.queryset = participants.queryset.exclude(pk=user.pk)
        # The browser offers only the accepted window; the service refuses anything else.
        window = {"min": f"{EARLIEST:%Y-%m-%d}T00:00", "max": f"{latest():%Y-%m-%d}T23:59"}
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(window)


class RespondForm(forms.Form):
    answer = forms.ChoiceField(choices=[("attend", "attend"), ("decline", "decline")])


class ActionForm(forms.Form):
    decision = forms.CharField(
        label=gettext_lazy("Decision"), widget=forms.Textarea(attrs={"rows": 2})
    )
    title = forms.CharField(label=gettext_lazy("Action"), max_length=300)
    agenda_item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    owner_user = PersonField(
        label=gettext_lazy("Owner (person)"),
        roles=selectors.ATTENDING_ROLES,
        required=False,
        empty_label=gettext_lazy("No person (a department owns it)"),
    )
    owner_department = DepartmentField(
        label=gettext_lazy("Owner (department)"),
        required=False,
        empty_label=gettext_lazy("No department (a person owns it)"),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    working_days = forms.IntegerField(
        label=gettext_lazy("or within N working days"), required=False, min_value=1, max_value=120
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].widget.attrs.update(
            {"min": EARLIEST.isoformat(), "max": latest().isoformat()}
        )


# --- calendar pages ---------------------------------------------------------------------------


@require_safe
@login_required
def meeting_list(request):
    """My meetings and visits: a month grid and an agenda list."""
    today = timezone.localdate()
    first = _month_asked(request, today)
    view = "agenda" if request.GET.get("view") == "agenda" else "month"
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tz)
    meetings = list(selectors.in_range(selectors.meeting_list_queryset(request.user), start, end))
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(timezone.localtime(meeting.start).date(), []).append(meeting)
    weeks = [
        [(day, by_day.get(day, []), day.month == first.month) for day in week]
        for week in month_calendar.Calendar().monthdatescalendar(first.year, first.month)
    ]
    upcoming = list(
        selectors.meeting_list_queryset(request.user).filter(end__gte=timezone.now())[:50]
    )
    # No way out of the window: the month before the first and after the last is not offered.
    previous = (first - timedelta(days=1)).replace(day=1) if first > EARLIEST else None
    following = last + timedelta(days=1) if last < latest(today) else None
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "view": view,
            "first": first,
            "weeks": weeks,
            "meetings": meetings,
            "upcoming": upcoming,
            "previous": previous,
            "following": following,
            "today": today,
            "can_schedule": perms.can_schedule(request.user),
            "calendar_url": calendar_feed_url(request.user),
        },
    )


def _month_asked(request, today: date) -> date:
    """The first day of the month asked for (`year`, `month`), or of this month, with a
    message, when that is no month or lies outside the accepted window."""
    try:
        first = date(
            int(request.GET.get("year", today.year)), int(request.GET.get("month", today.month)), 1
        )
    except (TypeError, ValueError, OverflowError):
        messages.error(request, _("There is no such month; this month is shown."))
        return today.replace(day=1)
    with refusal_shown(request) as outcome:  # the window begins on the first of a month
        check_date(first, "month", today)
    return first if outcome.ok else today.replace(day=1)


@login_required
def meeting_new(request):
    if not perms.can_schedule(request.user):
        raise Http404
    form = MeetingForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A refusal goes to its field (or above the form); what was typed stays in the form.
        with refusal_shown(request, form) as outcome:
            meeting, warnings = services.meeting_schedule(
                actor=request.user,
                title=data["title"],
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                place=data["place"],
                projects=list(data["projects"]),
                participants=list(data["participants"]),
                departments=list(data["departments"]),
                status="draft" if data["draft"] else "scheduled",
            )
        if outcome.ok:
            for warning in warnings:
                messages.warning(request, warning["message"])
            messages.success(
                request,
                _("Scheduled.") if meeting.status == "scheduled" else _("Saved as a draft."),
            )
            return redirect("meeting_detail", meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request, meeting_id: int):
    user = request.user
    if request.method == "POST":
        return _meeting_post(request, selectors.meeting_for(user, meeting_id))
    return _meeting_page(request, meeting_id)


class Posted:
    """A refused form of the meeting page, to show again with everything the person typed:
    which form (`what`), its bound form where it has one, and the raw values of the others."""

    def __init__(self, request, what: str):
        self.what = what
        self.data = request.POST
        self.form: forms.Form | None = None
        self.refusal = None  # the service's refusal, when it was one

    def text(self, name: str) -> str:
        return self.data.get(name, "")

    def ids(self, name: str) -> set[int]:
        return {int(v) for v in self.data.getlist(name) if v.isdigit()}

    # What the templates ask of it.
    @property
    def reason(self) -> str:
        return self.text("reason")

    @property
    def note(self) -> str:
        return self.text("note")

    @property
    def action(self) -> int | None:
        return int(self.text("action")) if self.text("action").isdigit() else None

    @property
    def publish(self) -> bool:
        return self.data.get("publish") == "on"

    @property
    def agenda_item(self) -> str:
        return self.text("agenda_item")

    @property
    def project(self) -> str:
        return self.text("project")


def _meeting_page(request, meeting_id: int, *, posted: Posted | None = None, status: int = 200):
    """The meeting page; after a refused form, shown again with what was typed in it (its
    section open) and why it was refused."""
    user = request.user
    meeting = selectors.meeting_page_for(user, meeting_id)
    manage = perms.can_manage(user, meeting)
    participants = meeting.participants.all()
    dated = meeting.dates_in_window
    what = posted.what if posted else ""
    proposals = services.agenda_proposals(meeting, viewer=user) if manage else []
    if manage:
        _fill_typed(meeting, proposals, posted)
    edit_form = None
    if manage:
        edit_form = (
            posted.form
            if what == "change"
            else MeetingForm(
                user=user,
                initial={
                    "title": meeting.title,
                    "kind": meeting.kind,
                    # A stored date outside the window may not convert: the organiser types anew.
                    "start": timezone.localtime(meeting.start) if dated else None,
                    "end": timezone.localtime(meeting.end) if dated else None,
                    "place": meeting.place,
                    "projects": [p.pk for p in meeting.projects.all()],
                    "participants": [
                        p.user_id for p in participants if p.via_department_id is None
                    ],
                    "departments": [d.pk for d in meeting.departments.all()],
                },
            )
        )
    action_form = posted.form if what == "action" else ActionForm()
    context = {
        "meeting": meeting,
        "manage": manage,
        # What the meeting's state allows, by the rules the services refuse by.
        "may_change": manage and perms.meeting_changeable(meeting),
        "may_record": manage and perms.record_open(meeting),
        "may_publish": manage and perms.minutes_publishable(meeting),
        "may_answer": perms.answers_open(meeting),
        "internal": perms.can_view_internal(user, meeting),
        "mine": next((p for p in participants if p.user_id == user.pk), None),
        "actions": meeting.action_items.all(),
        "findings": meeting.findings.all(),
        "proposals": proposals,
        "action_form": action_form,
        "streams": stream_heads(selectors.readable_meeting_streams(user, meeting)),
        "edit_form": edit_form,
        "answer_choices": Participant.Answer,
        "posted": posted,
        "refused": what,
        # The assets of the organiser's forms' widgets (the pickers), each once.
        "form_media": edit_form.media + action_form.media if manage else None,
    }
    return render(request, "meetings/meeting_detail.html", context, status=status)


def _fill_typed(meeting: Meeting, proposals: list[dict], posted: Posted | None) -> None:
    """The values the organiser's record and agenda forms show: what is stored, or after a
    refusal of that form what was typed (set apart from the stored values, which the page
    shows as they are)."""
    record = posted if posted and posted.what == "record" else None
    agenda = posted if posted and posted.what == "agenda" else None
    attended = record.ids("attended") if record else None
    kept = agenda.data.getlist("keep") if agenda else None
    for participant in meeting.participants.all():
        participant.form_attended = (
            participant.user_id in attended if record else bool(participant.attended)
        )
    for position, item in enumerate(meeting.agenda.all(), start=1):
        key = f"a{item.pk}"
        item.form_minutes = record.text(f"minutes-{item.pk}") if record else item.minutes
        item.form_internal = record.text(f"internal-{item.pk}") if record else item.internal_minutes
        item.form_keep = key in kept if agenda else True
        item.form_order = agenda.text(f"order-{key}") if agenda else position
    for position, proposal in enumerate(proposals, start=51):
        key = f"{PROPOSAL_KEY}{proposal['approval'].pk}"
        proposal["form_keep"] = key in kept if agenda else False
        proposal["form_order"] = agenda.text(f"order-{key}") if agenda else position


def _meeting_post(request, meeting: Meeting):
    """The meeting page's forms: answer, change, cancel, agenda, record, decide, close.

    Each handler calls a service and returns what to tell the person, or None when the form
    or the service refused (it has said why: beside the field, or as a message). Done: back
    to the page. Refused: the page again, with everything typed still in the form, answered
    with the refusal's status (400 for a form that did not validate)."""
    what = request.POST.get("what", "")
    handler = _MEETING_FORMS.get(what)
    if handler is None:
        raise Http404
    posted = Posted(request, what)
    with refusal_shown(request) as outcome:
        done = handler(request, meeting, posted)
    if outcome.ok and done:
        messages.success(request, done)
        return HttpResponseRedirect(reverse("meeting_detail", args=[meeting.pk]))
    refusal = outcome.error or posted.refusal
    return _meeting_page(
        request, meeting.pk, posted=posted, status=refusal.status if refusal else 400
    )


def _form_errors(request, form: forms.Form) -> None:
    messages.error(
        request,
        _("Check the form: %(errors)s")
        % {"errors": "; ".join(" ".join(v) for v in form.errors.values())},
    )


def _answer(request, meeting: Meeting, posted: Posted) -> str | None:
    form = RespondForm(request.POST)
    posted.form = form
    if not form.is_valid():
        _form_errors(request, form)
        return None
    answer = form.cleaned_data["answer"]
    with refusal_shown(request) as outcome:
        services.meeting_respond(actor=request.user, meeting_id=meeting.pk, answer=answer)
    posted.refusal = outcome.error
    if not outcome.ok:
        # Nothing typed but the choice: say which answer was not saved.
        messages.info(
            request,
            _("Your answer “%(answer)s” was not saved.")
            % {"answer": Participant.Answer(answer).label},
        )
        return None
    return _("Your answer is saved.")


def _change(request, meeting: Meeting, posted: Posted) -> str | None:
    form = MeetingForm(request.POST, user=request.user)
    posted.form = form
    if not form.is_valid():
        _form_errors(request, form)
        return None
    data = form.cleaned_data
    with refusal_shown(request, form) as outcome:
        _meeting, warnings = services.meeting_update(
            actor=request.user,
            meeting_id=meeting.pk,
            title=data["title"],
            kind=data["kind"],
            start=data["start"],
            end=data["end"],
            place=data["place"],
            projects=list(data["projects"]),
            participants=list(data["participants"]),
            departments=list(data["departments"]),
            status="draft" if data["draft"] and meeting.status == "draft" else "scheduled",
        )
    posted.refusal = outcome.error
    if not outcome.ok:
        return None
    for warning in warnings:
        messages.warning(request, warning["message"])
    return _("Meeting changed; participants are told.")


def _cancel(request, meeting: Meeting, posted: Posted) -> str:
    services.meeting_cancel(
        actor=request.user, meeting_id=meeting.pk, reason=request.POST.get("reason", "")
    )
    return _("Meeting cancelled; participants are told.")


PROPOSAL_KEY = "approval-"


def _agenda(request, meeting: Meeting, posted: Posted) -> str:
    """Ticked agenda items (`a<agenda item id>`) and proposals (`approval-<approval id>`),
    in the order given. A proposal is found again by its approval, never by its place in the
    list: the list may have changed since the page was loaded."""
    ticked = list(dict.fromkeys(request.POST.getlist("keep")))
    existing = {f"a{a.pk}": a for a in meeting.agenda.all()}
    approval_ids = [
        int(key.removeprefix(PROPOSAL_KEY))
        for key in ticked
        if key.startswith(PROPOSAL_KEY) and key.removeprefix(PROPOSAL_KEY).isdigit()
    ]
    standing, gone = services.agenda_proposals_standing(meeting, approval_ids, viewer=request.user)
    chosen = []
    for key in ticked:
        if key in existing:
            item = existing[key]
            entry = {"project": item.project, "approval": item.approval, "title": item.title}
        elif key.startswith(PROPOSAL_KEY) and key.removeprefix(PROPOSAL_KEY).isdigit():
            proposal = standing.get(int(key.removeprefix(PROPOSAL_KEY)))
            if proposal is None:
                continue
            entry = {k: proposal[k] for k in ("project", "approval", "title")}
        else:
            continue
        chosen.append((_position(request.POST.get(f"order-{key}")), entry))
    services.agenda_set(
        actor=request.user,
        meeting_id=meeting.pk,
        items=[entry for _position_, entry in sorted(chosen, key=lambda pair: pair[0])],
    )
    if gone:
        messages.warning(
            request,
            _(
                "No longer proposed, so left out of the agenda "
                "(the approval changed since the page was loaded): %(items)s."
            )
            % {"items": "; ".join(gone)},
        )
    return _("Agenda saved.")


def _position(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 99


def _record(request, meeting: Meeting, posted: Posted) -> str:
    minutes = {
        int(k[8:]): v
        for k, v in request.POST.items()
        if k.startswith("minutes-") and k[8:].isdigit()
    }
    internal = {
        int(k[9:]): v
        for k, v in request.POST.items()
        if k.startswith("internal-") and k[9:].isdigit()
    }
    services.meeting_record(
        actor=request.user,
        meeting_id=meeting.pk,
        attended=[int(v) for v in request.POST.getlist("attended") if v.isdigit()],
        minutes=minutes,
        internal_minutes=internal,
        publish=request.POST.get("publish") == "on",
    )
    return _("Record saved.")


def _action(request, meeting: Meeting, posted: Posted) -> str | None:
    form = ActionForm(request.POST)
    posted.form = form
    if not form.is_valid():
        _form_errors(request, form)
        return None
    data = form.cleaned_data
    with refusal_shown(request, form) as outcome:
        services.action_item_create(
            actor=request.user,
            meeting_id=meeting.pk,
            decision=data["decision"],
            title=data["title"],
            owner_user=data["owner_user"],
            owner_department=data["owner_department"],
            due_date=data["due_date"],
            working_days=data["working_days"],
            agenda_item_id=data["agenda_item"],
        )
    posted.refusal = outcome.error
    return _("Decision and action item recorded.") if outcome.ok else None


def _close_action(request, meeting: Meeting, posted: Posted) -> str:
    action_id = request.POST.get("action", "")
    services.action_item_close(
        actor=request.user,
        action_item_id=int(action_id) if action_id.isdigit() else 0,
        note=request.POST.get("note", ""),
    )
    return _("Action item closed.")


def _finding(request, meeting: Meeting, posted: Posted) -> str | None:
    project = meeting.projects.filter(pk=request.POST.get("project") or 0).first()
    if project is None:
        messages.error(request, _("Choose the project the finding is about."))
        return None
    services.finding_add(
        actor=request.user,
        meeting_id=meeting.pk,
        project=project,
        text=request.POST.get("text", ""),
        files=request.FILES.getlist("files"),
    )
    return _("Finding recorded.")


_MEETING_FORMS = {
    "answer": _answer,
    "change": _change,
    "cancel": _cancel,
    "agenda": _agenda,
    "record": _record,
    "action": _action,
    "close_action": _close_action,
    "finding": _finding,
}


@require_safe
@login_required
def action_list(request):
    return _action_list_page(request, request.GET.get("status") or "open")


def _action_list_page(request, status: str, *, refused=None, code: int = 200):
    """My action items; after a refused close, shown again with the note typed for it
    (`refused`: the action item's id and the note)."""
    items = list(selectors.action_items_for(request.user, owner_me=True, status=status))
    refused_id, refused_note = refused or (None, "")
    return render(
        request,
        "meetings/action_list.html",
        {"items": items, "status": status, "refused_id": refused_id, "refused_note": refused_note},
        status=code,
    )


@require_POST
@login_required
def action_close(request, action_id: int):
    note = request.POST.get("note", "")
    with refusal_shown(request) as outcome:
        services.action_item_close(actor=request.user, action_item_id=action_id, note=note)
    if outcome.ok:
        messages.success(request, _("Action item closed."))
        return redirect("action_list")
    return _action_list_page(request, "open", refused=(action_id, note), code=outcome.error.status)


@require_POST
@login_required
def calendar_regenerate(request):
    """A new secret address: the old one stops working at once."""
    CalendarFeed.objects.update_or_create(user=request.user, defaults={"secret": _new_secret()})
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect("meeting_list")


def _new_secret() -> str:
    return new_calendar_secret()


# --- calendar files (machine routes) ----------------------------------------------------------


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def meeting_ics(request, meeting_id: int):
    """One meeting as a calendar file: for the session or a bearer token (that has not expired)."""
    user = request.user
    if request.headers.get("Authorization", "").startswith("Bearer "):
        token = request.headers["Authorization"][7:].strip()
        PortalBearerAuth().authenticate(request, token)
        user = request.user
    if not user.is_authenticated:
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="portal"'
        return response
    meeting = selectors.meeting_for(user, meeting_id)  # NotVisible answers 404
    if not meeting.dates_in_window:
        # Stored with a date outside the window: no calendar entry until it is changed.
        return HttpResponse(
            _("This meeting's date lies outside the accepted window; it has no calendar file."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting.pk])
    # A download is a plain calendar (no METHOD, no attendees), cancelled or not.
    return _ics(ical.meeting_calendar(meeting, url=url), f"meeting-{meeting.pk}.ics")


@require_safe
def calendar_feed(request, secret: str):
    """The personal subscription: no login, the secret in the address is the key."""
    feed = CalendarFeed.objects.select_related("user").filter(secret=secret).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    meetings, days = selectors.feed_entries(feed.user)
    events = [
        ical.all_day(uid, day, summary, description) for uid, day, summary, description in days
    ]
    name = _("Major-project service: %(name)s") % {"name": feed.user.get_full_name()}
    return _ics(
        ical.feed_calendar(name=name, meetings=meetings, all_day_events=events), "portal.ics"
    )
