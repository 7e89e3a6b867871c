"""The case pages. Thin: parse a form, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.errors import NotVisible, refusal_shown
from portal.events import stream_heads
from portal.roles import ENTERPRISE, has_role, is_bureau_staff
from projects import permissions as project_perms
from projects.models import Department
from projects.selectors import projects_visible_to

from . import permissions as perms
from . import selectors, services, tracking
from .case_events import case_internal_stream, case_stream
from .forms import (
    CaseFilterForm,
    EnterpriseCaseForm,
    HotlineForm,
    ReplyForm,
    SupervisionCaseForm,
    TrackForm,
    TransitionForm,
)
from .models import Case
from .transitions import TRANSITIONS

PAGE_SIZE = 25
CODE_SESSION_KEY = "supervision.case_code.%d"


def _remember_code(request, case: Case, code: str | None) -> None:
    """The tracking code is shown once, on the next page (never stored in clear)."""
    if code:
        request.session[CODE_SESSION_KEY % case.pk] = code


def _case_url(case: Case, anchor: str = "") -> str:
    return reverse("case_detail", args=[case.number]) + anchor


# --- the list ---------------------------------------------------------------------------------


@require_safe
@login_required
def case_list(request):
    """Cases by tab (mine, my department's, all for staff), filtered by kind, state, overdue."""
    user = request.user
    today = timezone.localdate()
    tabs = selectors.tabs_for(user)
    # Staff start with every case, officers with their department's, others with their own.
    default = "all" if "all" in tabs else "department" if "department" in tabs else "mine"
    tab = request.GET.get("tab") if request.GET.get("tab") in tabs else default
    form = CaseFilterForm(request.GET or None)
    queryset = selectors.cases_in_tab(user, tab)
    if form.is_valid():
        data = form.cleaned_data
        queryset = selectors.filter_cases(
            queryset,
            kind=data["kind"] or None,
            state=data["state"] or None,
            overdue=data["overdue"],
            q=data["q"] or None,
            today=today,
        )
    page = Paginator(selectors.for_listing(queryset), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = request.GET.copy()
    tab_query.pop("page", None)
    tab_query.pop("tab", None)
    labels = {
        "mine": _("Mine"),
        "department": _("My department's"),
        "all": _("All cases"),
    }
    return render(
        request,
        "supervision/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "tab": tab,
            "tabs": [(name, labels[name]) for name in tabs],
            "tab_query": tab_query.urlencode(),
            "today": today,
            "can_record_call": is_bureau_staff(user),
            "is_enterprise": has_role(user, ENTERPRISE),
        },
    )


# --- one case ---------------------------------------------------------------------------------


def _typed(form) -> dict:
    if form is None or not form.is_bound:
        return {}
    return {name: form.data.get(name, "") for name in form.fields}


def _case_page(request, case: Case, *, acted=None, reply_form=None, status=200):
    """The case page; after a refusal the form that was refused is shown again with what the
    person typed (`acted`: the bound transition form)."""
    user = request.user
    internal = perms.can_view_case_internal(user, case)
    actions = selectors.case_actions(user, case)
    typed = _typed(acted)
    dispatch = any(spec.action == "dispatch" for spec in actions)
    departments = list(Department.objects.order_by("name")) if dispatch else []
    officers = []
    if dispatch:
        through = Department.officers.through.objects.select_related("user").order_by(
            "department_id", "user__name", "user__username"
        )
        officers = [(row.department_id, row.user) for row in through if row.user.is_active]
    streams = [case_stream(case.pk)] + ([case_internal_stream(case.pk)] if internal else [])
    context = {
        "case": case,
        "thread": selectors.case_thread(user, case),
        "actions": actions,
        "typed": typed,
        "typed_action": typed.get("action", ""),
        "departments": departments,
        "officers": officers,
        "internal": internal,
        "reply_form": reply_form or ReplyForm(internal_allowed=internal),
        "can_reply": case.state != Case.State.CLOSED,
        "code": request.session.pop(CODE_SESSION_KEY % case.pk, None),
        "today": timezone.localdate(),
        "overdue": case.state in Case.OPEN_STATES
        and case.state != Case.State.ANSWERED
        and case.waiting_since is None
        and case.stage_due is not None
        and case.stage_due < timezone.localdate(),
        "streams": stream_heads(streams),
    }
    return render(request, "supervision/case_detail.html", context, status=status)


@require_safe
@login_required
def case_detail(request, number: str):
    return _case_page(request, selectors.case_for(request.user, number))


@require_POST
@login_required
def case_act(request, number: str):
    """Take one action of the table; refused, the page again with the reason (409)."""
    case = selectors.case_for(request.user, number)
    form = TransitionForm(request.POST)
    spec = TRANSITIONS.get(request.POST.get("action", ""))
    if spec is None or not form.is_valid():
        messages.error(request, _("Check the form: choose an action and fill in what it asks."))
        return _case_page(request, case, acted=form, status=400)
    data = form.cleaned_data
    arguments = {name: data.get(name) for name in spec.argument_names}
    arguments = {k: v for k, v in arguments.items() if v not in (None, "")}
    with refusal_shown(request) as outcome:
        services.case_transition(actor=request.user, case=case, action=spec.action, **arguments)
    if outcome.ok:
        messages.success(request, spec.done % {"number": case.number})
        return HttpResponseRedirect(_case_url(case))
    case = selectors.case_for(request.user, number)
    return _case_page(request, case, acted=form, status=409)


@require_POST
@login_required
def case_reply(request, number: str):
    case = selectors.case_for(request.user, number)
    internal_allowed = perms.can_view_case_internal(request.user, case)
    form = ReplyForm(request.POST, request.FILES, internal_allowed=internal_allowed)
    if not form.is_valid():
        return _case_page(request, case, reply_form=form, status=400)
    data = form.cleaned_data
    with refusal_shown(request, form) as outcome:
        services.case_reply(
            actor=request.user,
            case=case,
            body=data["body"],
            internal=data.get("internal", False),
            files=data["files"],
        )
    if not outcome.ok:
        return _case_page(request, case, reply_form=form, status=409)
    messages.success(request, _("Your message was added to the case."))
    return HttpResponseRedirect(_case_url(case, "#thread"))


@require_safe
@login_required
def case_attachment(request, attachment_id: int):
    """Files are served only here, after the permission check; 404 for anyone else."""
    attachment = selectors.attachment_for(request.user, attachment_id)
    inline = attachment.content_type in ("application/pdf", "image/png", "image/jpeg")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- opening cases ----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_requests(request):
    """The enterprise's requests: its cases, and a form to ask for help or complain about one
    of its projects or approvals."""
    user = request.user
    if not project_perms._enterprise_ids(user):
        raise PermissionDenied
    projects = projects_visible_to(user).filter(
        enterprise_id__in=project_perms._enterprise_ids(user)
    )
    initial = {"kind": request.GET.get("kind") or Case.Kind.REQUEST}
    if request.GET.get("project", "").isdigit():
        initial["project"] = request.GET["project"]
    if request.GET.get("approval", "").isdigit():
        initial["approval"] = request.GET["approval"]
    status = 200
    if request.method == "POST":
        form = EnterpriseCaseForm(request.POST, projects=projects)
        if form.is_valid():
            data = form.cleaned_data
            with refusal_shown(request, form) as outcome:
                case, code = services.case_open(
                    actor=user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    project=data["project"],
                    approval=data["approval"],
                )
            if outcome.ok:
                _remember_code(request, case, code)
                messages.success(
                    request, _("Your case %(number)s was opened.") % {"number": case.number}
                )
                return HttpResponseRedirect(_case_url(case))
            status = 409
        else:
            status = 400
    else:
        form = EnterpriseCaseForm(initial=initial, projects=projects)
    cases = selectors.for_listing(selectors.cases_in_tab(user, "mine"))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/case_requests.html",
        {"form": form, "page": page, "query": "", "today": timezone.localdate()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_hotline(request):
    """Staff record a call to the service hotline; the caller is given the number and code."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = HotlineForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            with refusal_shown(request, form) as outcome:
                case, code = services.case_open(
                    actor=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    project=data["project"],
                    opener_kind=Case.Opener.PHONE,
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    department=data["department"],
                )
            if outcome.ok:
                _remember_code(request, case, code)
                messages.success(
                    request, _("Call recorded as %(number)s.") % {"number": case.number}
                )
                return HttpResponseRedirect(_case_url(case))
            status = 409
        else:
            status = 400
    else:
        form = HotlineForm()
    return render(request, "supervision/case_hotline.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_new(request, project_id: int):
    """Staff or the project's helpers open a supervision case about a project."""
    project = projects_visible_to(request.user).filter(pk=project_id).first()
    if project is None:
        raise NotVisible("project not found")
    if not perms.can_open_case(request.user, Case.Kind.SUPERVISION, project):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = SupervisionCaseForm(request.POST, project=project)
        if form.is_valid():
            data = form.cleaned_data
            with refusal_shown(request, form) as outcome:
                case, _code = services.case_open(
                    actor=request.user,
                    kind=Case.Kind.SUPERVISION,
                    title=data["title"],
                    body=data["body"],
                    project=project,
                    approval=data["approval"],
                    department=data["department"],
                )
            if outcome.ok:
                messages.success(
                    request,
                    _("Supervision case %(number)s opened.") % {"number": case.number},
                )
                return HttpResponseRedirect(_case_url(case))
            status = 409
        else:
            status = 400
    else:
        initial = {}
        if request.GET.get("approval", "").isdigit():
            initial["approval"] = request.GET["approval"]
        form = SupervisionCaseForm(initial=initial, project=project)
    return render(
        request,
        "supervision/case_new.html",
        {"form": form, "project": project},
        status=status,
    )


# --- the public tracking page -----------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def case_track(request):
    """No login: the case number and the code given when it was opened show its state, dates
    and public answer. A wrong number and a wrong code answer the same; each address has a
    few tries per window."""
    found, status = None, 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if not tracking.lookup_allowed(tracking.client_address(request)):
            messages.error(request, _("Too many tries from your address. Wait a while."))
            status = 429
        elif form.is_valid():
            number, code = form.cleaned_data["number"], form.cleaned_data["code"]
            candidate = selectors.case_by_number(number)
            if services.tracking_matches(candidate, number, code):
                found = candidate
            else:
                messages.error(request, _("No case matches this number and code."))
                status = 404
        else:
            status = 400
    else:
        form = TrackForm()
    return render(
        request, "supervision/case_track.html", {"form": form, "found": found}, status=status
    )
