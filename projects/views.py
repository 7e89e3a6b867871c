"""The pages of the project module. Thin: parse a form, call a selector or a service, render."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q
from django.http import FileResponse, Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from portal.errors import NotVisible, refusal_shown
from portal.events import stream_heads
from portal.models import User
from portal.roles import (
    ENTERPRISE,
    HELPER,
    is_bureau_staff,
    may_manage_accounts,
    may_use_queue,
    roles_of,
)
from portal.services import api_token_expires_at, api_tokens_live

from . import enquiry, selectors, services
from . import permissions as perms
from .checklist import material_status, unreviewed_versions
from .clock import WorkingCalendar
from .forecast_page import project_forecast
from .forms import (
    AddItemsForm,
    AdministratorForm,
    CommentForm,
    DeactivateForm,
    HelpersForm,
    InviteForm,
    MembershipDecisionForm,
    ProfileForm,
    ProjectFactsForm,
    ProjectFilterForm,
    ProjectForm,
    QueueFilterForm,
    ReviewForm,
    TransitionForm,
    UploadForm,
)
from .history import projects_at_risk
from .list_rows import project_rows_html
from .models import Approval, Project
from .page_rows import add_row_html
from .panels import rendered_panels
from .streams import MEMBERSHIP_EVENTS, localized
from .transitions import TRANSITIONS

OPEN = list(Approval.OPEN)


def _posted_id(request, name: str) -> int:
    """An id posted by a form: a number in range, or NotVisible (a 404, like a missing one)."""
    value = request.POST.get(name, "")
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise NotVisible("not found")
    return int(value)


def _safe_next(request) -> str | None:
    """The page the form came from (`next`), if it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _back_to_project(project_id: int, anchor: str = "", request=None):
    """Back where the person came from (the queue, say) if it is ours, else the project."""
    target = _safe_next(request) if request is not None else None
    if target:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("project_detail", args=[project_id]) + anchor)


# --- lists ------------------------------------------------------------------------------------


@require_safe
@login_required
def project_list(request):
    """My projects: each with stage, approvals per state, next due date; overdue first."""
    today = timezone.localdate()
    form = ProjectFilterForm(request.GET or None)
    queryset = selectors.projects_visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        queryset = selectors.filter_projects(
            queryset,
            stage=data["stage"] or None,
            town=data["town"].pk if data["town"] else None,
            department=data["department"].pk if data["department"] else None,
            q=data["q"] or None,
        )
    # Sort on the stored earliest due date (overdue ones are the earliest), paginate on the
    # plain filtered rows, and count approvals for the page's 25 projects only.
    at_risk = projects_at_risk(request.user, queryset, today=today)  # helpers and staff
    queryset = queryset.select_related("enterprise", "town", "lead_helper").order_by(
        *at_risk.first(), F("next_due").asc(nulls_last=True), "-registered_at", "id"
    )
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    ids = [project.pk for project in page]
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    overdue: dict[int, int] = dict.fromkeys(ids, 0)
    rows = (
        Approval.objects.filter(project_id__in=ids)
        .values("project_id", "status")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(status__in=OPEN, due_date__lt=today)),
            soon=Min("due_date", filter=Q(status__in=OPEN, due_date__gte=today)),
        )
        .order_by()
    )
    upcoming: dict[int, date | None] = dict.fromkeys(ids)
    for row in rows:
        pk = row["project_id"]
        counts[pk][row["status"]] = row["n"]
        overdue[pk] += row["late"]
        if row["soon"] and (upcoming[pk] is None or row["soon"] < upcoming[pk]):
            upcoming[pk] = row["soon"]
    statuses = list(Approval.Status.choices)
    for project in page:
        project.by_status = [
            (status, label, counts[project.pk].get(status, 0)) for status, label in statuses
        ]
        project.overdue = overdue[project.pk]
        project.upcoming = upcoming[project.pk]
        project.readiness = at_risk.readiness.get(project.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_register": perms.can_manage_project(request.user),
            "today": today,
            "at_risk": at_risk,
            "rows_html": project_rows_html(page),
        },
    )


@require_safe
@login_required
def approval_queue(request):
    """The officer's department queue, oldest due first, with the actions at hand."""
    return _queue_page(request, request.GET)


def _queue_page(request, params, *, refused=None):
    """The queue for these filters; after a refused decision, with the typed form open."""
    if not may_use_queue(request.user):
        raise Http404
    # The process's copy of the calendar, as the project page reads clocks (no query while fresh).
    calendar, today = WorkingCalendar.current(), timezone.localdate()
    form = QueueFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    due_within = filters.get("due_within")
    queue = selectors.department_queue(
        request.user,
        state=filters.get("state") or None,
        project_q=(filters.get("project") or "").strip() or None,
        due_by=(
            None
            if due_within is None
            else today
            if due_within == 0
            else calendar.nth_after(today, due_within)
        ),
        department_id=filters["department"].pk if filters.get("department") else None,
    )
    page = Paginator(queue, 50).get_page(params.get("page"))
    approvals = list(page)
    selectors.mark_blocking_prerequisites(approvals)
    refused_id, refused_form = refused or (None, None)
    rows = [
        {
            "approval": approval,
            "summary": selectors.approval_summary(
                approval, calendar=calendar, today=today, user=request.user
            ),
            "values": transition_values(refused_form if approval.pk == refused_id else None),
            "refused": approval.pk == refused_id,
        }
        for approval in approvals
    ]
    for row in rows:
        row["unreviewed"] = (
            unreviewed_versions(row["approval"]) if "approve" in row["summary"]["actions"] else []
        )
    query = params.copy()
    query.pop("page", None)
    quick = [t for t in TRANSITIONS.values() if t.quick]
    here = reverse("approval_queue") + (f"?{params.urlencode()}" if params else "")
    return render(
        request,
        "projects/queue.html",
        {
            "page": page,
            "rows": rows,
            "today": today,
            "quick": quick,
            "decisions": [t for t in TRANSITIONS.values() if t.action in ("approve", "reject")],
            "form": form,
            "query": query.urlencode(),
            "here": here,
        },
        status=409 if refused else 200,
    )


# --- one project ------------------------------------------------------------------------------


@require_safe
@login_required
def project_detail(request, project_id: int):
    return _project_page(request, project_id)


PAGE_EVENTS = 12  # the latest events on the page; the earlier ones on demand
SECTION_TITLES = {
    "cards": gettext_lazy("Materials and actions"),
    "timeline": gettext_lazy("Parallel timeline (working days)"),
    "events": gettext_lazy("What happened"),
}


def _project_rows(request, project_id: int, *, refused=None, cards: bool = False):
    """The project the user may see and one row per approval (state, clock, what this viewer
    may do); `cards` adds what an opened card shows (its checklist, files to review)."""
    user = request.user
    # Every version of every material only where a card is shown whole.
    latest_only = not cards and refused is None
    project = (
        selectors.project_page_queryset(user, latest_versions_only=latest_only)
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotVisible("project not found")
    # The process's copy of the calendar, as the API reads clocks (no query while fresh).
    calendar, today = WorkingCalendar.current(), timezone.localdate()
    approvals = list(project.approvals.all())
    selectors.mark_blocking_prerequisites(approvals, whole_project=True)
    summaries = {
        a.pk: selectors.approval_summary(a, calendar=calendar, today=today, user=user)
        for a in approvals
    }
    refused_id, refused_form = refused or (None, None)
    rows = []
    for a in approvals:
        form = refused_form if a.pk == refused_id else None
        actions = summaries[a.pk]["actions"]
        row = {
            "approval": a,
            "summary": summaries[a.pk],
            "transitions": [TRANSITIONS[action] for action in actions],
            "refused": form is not None,
            "waits_for": a.prerequisites_pending if a.is_open else [],
        }
        if cards or form is not None:
            row.update(
                materials=[(m, material_status(m)) for m in a.materials.all()],
                values=transition_values(form),
                unreviewed=unreviewed_versions(a) if "approve" in actions else [],
                can_review=perms.can_review_materials(user, a),
            )
        rows.append(row)
    return project, approvals, summaries, rows, calendar, today


def _project_page(request, project_id: int, *, refused=None, comment_form=None, status=200):
    """The project page. After a refused action it is shown again with what the person typed
    (`refused`: the approval id and its bound form; `comment_form`: a refused comment).

    What a reader sees first: the summary, the approvals' table, the cards' titles, the
    timeline's sentences, the latest events and the comments. A card's checklist and forms,
    the timeline's chart and the earlier events come on demand (project_section), except a
    card whose action was refused and the chart after a what-if question."""
    user = request.user
    project, approvals, summaries, rows, calendar, today = _project_rows(
        request, project_id, refused=refused
    )
    add_row_html(project, rows)
    still_needed = selectors.still_needed_from_enterprise(project)
    forecast = project_forecast(request.GET, project, approvals, summaries, today, calendar)
    what_if = forecast.get("what_if")
    context = {
        "project": project,
        "rows": rows,
        "overview": selectors.project_overview(rows, still_needed),
        **forecast,
        "timeline_inline": bool(what_if and what_if.form.is_bound),
        "events": selectors.project_events(user, project),
        "comments": selectors.project_comments(user, project),
        "comment_form": comment_form or CommentForm(),
        "internal": perms.can_view_internal(user, project),
        "is_enterprise": perms.is_enterprise_user_of(user, project),
        "can_upload": perms.can_upload_materials(user, project),
        "can_manage": perms.can_manage_project(user, project),
        "still_needed": still_needed,
        "today": today,
        "streams": stream_heads(selectors.readable_project_streams(user, project)),
        "panels": rendered_panels(request, project),
    }
    return render(request, "projects/project_detail.html", context, status=status)


def _approval_ids(request) -> set[int]:
    """The approvals asked for (?approval=12&approval=14); a bad value is a 404, as a guess."""
    ids = set()
    for value in request.GET.getlist("approval"):
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise NotVisible("approval not found")
        ids.add(int(value))
    return ids


@require_safe
@login_required
def project_section(request, project_id: int, part: str):
    """One part of the project page: the approvals' cards (all, or ?approval=N ones), the
    timeline's chart, the earlier events. With ?fragment=1 the part alone, for the page's
    script to put in place; otherwise a page of its own, the fallback without script."""
    if part not in SECTION_TITLES:
        raise Http404("no such section")
    user = request.user
    standalone = request.GET.get("fragment") != "1"
    context = {"part": part, "standalone": standalone, "section_title": SECTION_TITLES[part]}
    if part == "events":
        project = selectors.project_page_queryset(user).filter(pk=project_id).first()
        if project is None:
            raise NotVisible("project not found")
        events = selectors.project_events(user, project)
        context.update(project=project, events=events if standalone else events[PAGE_EVENTS:])
    else:
        project, approvals, summaries, rows, calendar, today = _project_rows(
            request, project_id, cards=part == "cards"
        )
        context.update(project=project, can_upload=perms.can_upload_materials(user, project))
        if part == "cards":
            wanted = _approval_ids(request)
            if wanted:
                rows = [r for r in rows if r["approval"].pk in wanted]
                if len(rows) != len(wanted):
                    raise NotVisible("approval not found")
            context["rows"] = rows
        else:
            context.update(
                project_forecast(request.GET, project, approvals, summaries, today, calendar),
                timeline_inline=True,
            )
    template = "projects/project_section.html" if standalone else "projects/_project_section.html"
    return render(request, template, context)


def transition_values(form) -> dict:
    """What the person typed into a refused action form, by argument name, to show again."""
    if form is None:
        return {}
    prefix = f"{form.prefix}-" if form.prefix else ""
    data = form.data
    values = {"action": data.get(f"{prefix}action", "")}
    for name in form.fields:
        if name == "action":
            continue
        if isinstance(form.fields[name], forms.MultipleChoiceField):
            values[name] = data.getlist(f"{prefix}{name}")
        else:
            values[name] = data.get(f"{prefix}{name}", "")
    return values


@require_POST
@login_required
def approval_transition(request, project_id: int, approval_id: int):
    approval = selectors.approval_for(request.user, approval_id)
    if approval.project_id != project_id:
        raise NotVisible("approval not found")
    form = TransitionForm(request.POST, approval=approval, prefix=f"a{approval.pk}")
    refused = False
    if not form.is_valid():
        refused = True
        messages.error(
            request,
            _("Check the form: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(
                        ": "
                    )
                    for k, v in form.errors.items()
                )
            },
        )
    else:
        data = form.cleaned_data
        spec = TRANSITIONS[data["action"]]
        # Only the arguments this action takes (the table says which), as the person gave them.
        arguments = {name: data.get(name) for name in spec.argument_names}
        if "missing_materials" in arguments:
            arguments["missing_materials"] = form.cleaned_missing()
        arguments = {k: v for k, v in arguments.items() if v not in (None, "", [])}
        with refusal_shown(request) as outcome:
            services.approval_transition(
                actor=request.user, approval_id=approval.pk, action=spec.action, **arguments
            )
        if outcome.ok:
            messages.success(request, spec.done % {"item": approval.item.label})
            return _back_to_project(project_id, f"#approval-{approval.pk}", request)
        refused = True
    # Refused: the page again, with everything typed still in the form (and the reason).
    assert refused
    back = _safe_next(request)
    if back is not None and back.startswith(reverse("approval_queue")):
        return _queue_page(request, QueryDict(urlsplit(back).query), refused=(approval.pk, form))
    return _project_page(request, project_id, refused=(approval.pk, form), status=409)


@require_POST
@login_required
def material_upload(request, project_id: int, material_id: int):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return _back_to_project(project_id)
    with refusal_shown(request) as outcome:
        version = services.material_upload(
            actor=request.user, material_id=material_id, upload=form.cleaned_data["file"]
        )
    if not outcome.ok:
        return _back_to_project(project_id)
    messages.success(
        request,
        _("%(name)s uploaded as version %(number)d.")
        % {"name": version.material.label, "number": version.number},
    )
    return _back_to_project(project_id, f"#approval-{version.material.approval_id}")


@require_POST
@login_required
def material_review(request, project_id: int, version_id: int):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accepted or needs correction."))
        return _back_to_project(project_id)
    with refusal_shown(request) as outcome:
        version = services.material_review(
            actor=request.user,
            version_id=version_id,
            verdict=form.cleaned_data["verdict"],
            note=form.cleaned_data["note"],
        )
    if not outcome.ok:
        return _back_to_project(project_id)
    messages.success(request, _("Review saved."))
    return _back_to_project(project_id, f"#approval-{version.material.approval_id}")


@require_POST
@login_required
def comment_add(request, project_id: int):
    form = CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        # Shown again with the text kept and the field's error beside it.
        return _project_page(request, project_id, comment_form=form, status=400)
    data = form.cleaned_data
    with refusal_shown(request, form) as outcome:
        services.comment_add(
            actor=request.user,
            project_id=project_id,
            body=data["body"],
            approval_id=data["approval"],
            internal=data["internal"],
            attachment=data["attachment"],
        )
    if not outcome.ok:
        return _project_page(request, project_id, comment_form=form, status=409)
    return _back_to_project(project_id, "#comments")


@require_safe
@login_required
def file_download(request, file_id: int):
    """Files are served only here, after the permission check; 404 for anyone else."""
    stored = selectors.file_for(request.user, file_id)
    inline = stored.content_type in ("application/pdf", "image/png", "image/jpeg")
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not inline,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- registering and editing ------------------------------------------------------------------


@login_required
def project_register(request):
    if not perms.can_manage_project(request.user):
        raise Http404
    form = ProjectForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"lead_helper": request.user.pk} if HELPER in roles_of(request.user) else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_shown(request, form) as outcome:
            project = services.project_register(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
                enterprise=data["enterprise"],
                industry=data["industry"],
                use_industry_set=data["use_industry_set"],
                town=data["town"],
                stage=data["stage"],
                investment=data["investment"],
                planned_start=data["planned_start"],
                leading_official=data["leading_official"],
                lead_helper=data["lead_helper"],
                helpers=list(data["helpers"]),
                items=list(data["items"]),
                description=data["description"],
            )
        if outcome.ok:
            # The progress-lookup code is made now and shown once, on the project's page.
            enquiry.remember_for_display(request, project, project.enquiry_code)
            messages.success(request, _("Project registered."))
            return redirect("project_detail", project.pk)
    return render(request, "projects/project_form.html", {"form": form})


@login_required
def project_edit(request, project_id: int):
    """Helpers and items, and inviting the enterprise's users."""
    project = selectors.project_for(request.user, project_id)
    if not perms.can_manage_project(request.user, project):
        raise Http404
    helpers_form = HelpersForm(
        initial={
            "lead_helper": project.lead_helper_id,
            "helpers": list(project.helpers.values_list("pk", flat=True)),
        }
    )
    items_form = AddItemsForm(project=project)
    invite_form = InviteForm(initial={"language": "zh-hans"})
    facts_form = ProjectFactsForm(instance=project)
    if request.method == "POST":
        what = request.POST.get("what")
        bound = {
            "helpers": HelpersForm(request.POST),
            "items": AddItemsForm(request.POST, project=project),
            "invite": InviteForm(request.POST),
        }.get(what)
        with refusal_shown(request, bound):
            if what == "facts":
                facts_form = ProjectFactsForm(request.POST, instance=Project(pk=project.pk))
                if facts_form.is_valid():
                    services.project_update(
                        actor=request.user,
                        project_id=project.pk,
                        **{f: facts_form.cleaned_data[f] for f in ProjectFactsForm.Meta.fields},
                    )
                    messages.success(request, _("Project saved."))
                    return redirect("project_edit", project.pk)
            elif what == "helpers":
                helpers_form = bound
                if helpers_form.is_valid():
                    services.project_assign_helpers(
                        actor=request.user,
                        project_id=project.pk,
                        lead_helper=helpers_form.cleaned_data["lead_helper"],
                        helpers=list(helpers_form.cleaned_data["helpers"]),
                    )
                    messages.success(request, _("Helpers saved."))
                    return redirect("project_edit", project.pk)
            elif what == "items":
                items_form = bound
                if items_form.is_valid():
                    added = services.project_items_add(
                        actor=request.user,
                        project_id=project.pk,
                        items=list(items_form.cleaned_data["items"]),
                    )
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d approval added.", "%(count)d approvals added.", len(added)
                        )
                        % {"count": len(added)},
                    )
                    return redirect("project_edit", project.pk)
            elif what == "remove":
                services.project_approval_remove(
                    actor=request.user, approval_id=_posted_id(request, "approval")
                )
                messages.success(request, _("Approval removed."))
                return redirect("project_edit", project.pk)
            elif what == "invite":
                invite_form = bound
                if invite_form.is_valid():
                    person = services.enterprise_user_invite(
                        actor=request.user,
                        enterprise_id=project.enterprise_id,
                        email=invite_form.cleaned_data["email"],
                        name=invite_form.cleaned_data["name"],
                        language=invite_form.cleaned_data["language"],
                    )
                    if person.enterprises.filter(pk=project.enterprise_id).exists():
                        text = _("Invitation sent to %(email)s.")
                    else:
                        text = _(
                            "Invitation sent to %(email)s. They see the enterprise's projects "
                            "once its administrator or the bureau confirms them."
                        )
                    messages.success(request, text % {"email": person.email})
                    return redirect("project_edit", project.pk)
    approvals = list(project.approvals.select_related("item", "department"))
    refusals = selectors.approval_removal_refusals(approvals)
    return render(
        request,
        "projects/project_edit.html",
        {
            "project": project,
            "helpers_form": helpers_form,
            "facts_form": facts_form,
            "items_form": items_form,
            "invite_form": invite_form,
            "approvals": approvals,
            "removable": {pk for pk, refusal in refusals.items() if refusal is None},
            "enterprise_users": project.enterprise.users.all(),
            "waiting": selectors.pending_membership_requests(project.enterprise_id),
        },
    )


# --- accounts ---------------------------------------------------------------------------------


@login_required
def account(request):
    """Profile and language; links to password change."""
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Profile saved."))
        with translation.override(user.language):
            return redirect(reverse("account"))
    tokens = [
        {"token": token, "expires_at": api_token_expires_at(token)}
        for token in api_tokens_live(request.user).order_by("-created")
    ]
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "tokens": tokens,
            "may_review_requests": perms.can_review_membership_requests(request.user),
        },
    )


@login_required
def users_admin(request):
    """Staff: the accounts, with deactivation."""
    if not may_manage_accounts(request.user):
        raise Http404
    users = (
        User.objects.order_by("-is_active", "username")
        .prefetch_related("groups", "departments", "enterprises")
        .annotate(led=Count("led_projects"))
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "portal/users.html", {"page": page})


@login_required
def user_deactivate(request, user_id: int):
    if not may_manage_accounts(request.user):
        raise Http404
    person = get_object_or_404(User, pk=user_id)
    led = Project.objects.filter(lead_helper=person).order_by("code")
    form = DeactivateForm(request.POST if request.method == "POST" else None, user=person)
    if request.method == "POST" and form.is_valid():
        with refusal_shown(request, form) as outcome:
            services.user_deactivate(
                actor=request.user, user_id=person.pk, successor=form.cleaned_data["successor"]
            )
        if outcome.ok:
            messages.success(
                request, _("%(name)s can no longer sign in.") % {"name": person.get_full_name()}
            )
            return redirect("users_admin")
    return render(
        request,
        "portal/user_deactivate.html",
        {
            "person": person,
            "led": led,
            "form": form,
            "roles": roles_of(person),
            "is_enterprise": ENTERPRISE in roles_of(person),
        },
    )


# --- enterprise membership ---------------------------------------------------------------------


@require_safe
@login_required
def membership_requests(request):
    """People waiting to become users of an enterprise: its administrators and staff decide."""
    user = request.user
    if not perms.can_review_membership_requests(user):
        raise Http404
    page = Paginator(selectors.membership_requests_to_decide(user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/membership_requests.html",
        {"page": page, "form": MembershipDecisionForm()},
    )


@require_POST
@login_required
def membership_request_decide(request, request_id: int):
    form = MembershipDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose confirm or refuse."))
        return redirect("membership_requests")
    confirm = form.cleaned_data["decision"] == "confirm"
    decide = (
        services.enterprise_membership_confirm if confirm else services.enterprise_membership_refuse
    )
    with refusal_shown(request) as outcome:
        decided = decide(actor=request.user, request_id=request_id)
    if outcome.ok:
        names = {"person": decided.user.get_full_name(), "enterprise": decided.enterprise.label}
        messages.success(
            request,
            (
                _("%(person)s is now a user of %(enterprise)s.")
                if confirm
                else _("%(person)s will not see the projects of %(enterprise)s.")
            )
            % names,
        )
    return redirect("membership_requests")


@require_safe
@login_required
def membership_review(request):
    """Staff: every recent change of who belongs to an enterprise, and who is still waiting."""
    if not is_bureau_staff(request.user):
        raise Http404
    page = Paginator(selectors.membership_changes(request.user), 50).get_page(
        request.GET.get("page")
    )
    people = selectors.people_of_user_streams(page)
    rows = [
        {
            "event": event,
            "change": MEMBERSHIP_EVENTS[event.event],
            "person": people.get(int(event.stream.split(":")[1])),
            "enterprise": localized(event.data.get("enterprise")),
            "pending": event.data.get("pending", False),
        }
        for event in page
    ]
    waiting = selectors.membership_requests_to_decide(request.user)
    return render(
        request,
        "projects/membership_review.html",
        {
            "page": page,
            "rows": rows,
            "waiting": waiting[:20],
            "waiting_count": waiting.count(),
            "administered": selectors.enterprises_with_administrators(),
            "admin_form": AdministratorForm(),
        },
    )


@require_POST
@login_required
def enterprise_administrator(request):
    """Staff: make one of an enterprise's users its administrator (or no longer)."""
    if not is_bureau_staff(request.user):
        raise Http404
    form = AdministratorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an enterprise and one of its users."))
        return redirect("membership_review")
    data = form.cleaned_data
    with refusal_shown(request) as outcome:
        services.enterprise_admin_set(
            actor=request.user,
            enterprise_id=data["enterprise"].pk,
            user_id=data["user"].pk,
            administrator=data["administrator"],
        )
    if outcome.ok:
        names = {"person": data["user"].get_full_name(), "enterprise": data["enterprise"].label}
        messages.success(
            request,
            (
                _("%(person)s now administers %(enterprise)s.")
                if data["administrator"]
                else _("%(person)s no longer administers %(enterprise)s.")
            )
            % names,
        )
    return redirect("membership_review")
