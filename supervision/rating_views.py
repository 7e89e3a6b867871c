"""The ratings' pages: rate a decided approval or a closed case (the project page's panel and
the decision email link here), the ratings list with the follow-up call. Thin: parse a form,
call a selector or a service, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.errors import NotVisible, refusal_shown
from portal.roles import HELPER, OFFICER, STAFF, has_role
from projects.models import Department

from . import ratings
from .models import Case, Rating
from .rating_events import DISSATISFIED_REASONS, SATISFIED_REASONS


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you?"),
        choices=sorted(Rating.Score.choices, reverse=True),
        coerce=int,
        widget=forms.RadioSelect,
    )
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("Why? (tick what applies)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=ratings.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": ratings.COMMENT_MAX}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = [
            (_("If satisfied"), list(SATISFIED_REASONS.items())),
            (_("If dissatisfied"), list(DISSATISFIED_REASONS.items())),
        ]


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Follow-up call (回访): what was said"),
        max_length=ratings.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": ratings.NOTE_MAX}),
    )


class RatingFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.order_by("level", "name"),
        required=False,
    )
    score = forms.TypedChoiceField(
        label=gettext_lazy("Rating"),
        choices=[("", "—"), *sorted(Rating.Score.choices, reverse=True)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pending = forms.BooleanField(label=gettext_lazy("Follow-up call pending"), required=False)


def _may_list(user) -> bool:
    """The list is the bureau's side (enterprises see their ratings on their projects)."""
    return has_role(user, STAFF, OFFICER, HELPER)


# --- one approval or case: rate it, or read its rating ------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def rating_approval(request, approval_id: int):
    approval = ratings.approval_for_rating(request.user, approval_id)
    return _rating_page(request, approval, may_rate=ratings.may_rate_approval)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def rating_case(request, case_id: int):
    case = ratings.case_for_rating(request.user, case_id)
    return _rating_page(request, case, may_rate=ratings.may_rate_case)


def _rating_page(request, subject, *, may_rate):
    is_case = isinstance(subject, Case)
    rating = ratings.rating_of(subject)
    form = RatingForm(request.POST) if request.method == "POST" else RatingForm()
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data
            with refusal_shown(request, form) as outcome:
                ratings.rating_give(
                    actor=request.user,
                    approval=None if is_case else subject,
                    case=subject if is_case else None,
                    score=data["score"],
                    reasons=data["reasons"],
                    comment=data["comment"],
                )
            if outcome.ok:
                messages.success(request, _("Thank you: your rating was recorded."))
                return HttpResponseRedirect(request.path)
            status = 409
            rating = ratings.rating_of(subject)  # given meanwhile by a colleague, say
    can_rate = rating is None and may_rate(request.user, subject)
    ratings.with_texts([rating])
    return render(
        request,
        "supervision/rating_page.html",
        {
            "subject": subject,
            "is_case": is_case,
            "project": subject.project,
            "rating": rating,
            "can_rate": can_rate,
            "form": form,
            "show_note": rating is not None
            and ratings.may_read_follow_up_note(request.user, rating),
            "follow_up_form": (
                follow_up_form(rating)
                if rating is not None and ratings.may_record_follow_up(request.user, rating)
                else None
            ),
        },
        status=status,
    )


# --- the list, for the bureau's side ------------------------------------------------------------


@require_safe
@login_required
def rating_list(request):
    return _list_page(request, request.GET)


def follow_up_form(rating: Rating, data=None) -> FollowUpForm:
    """One form per row: ids of its own (several on a page)."""
    return FollowUpForm(
        data, initial={"note": rating.follow_up_note}, auto_id=f"follow-up-{rating.pk}-%s"
    )


def _list_page(
    request, params, *, refused: tuple[int, FollowUpForm] | None = None, status: int = 200
):
    if not _may_list(request.user):
        raise Http404
    form = RatingFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = ratings.filter_ratings(
        ratings.ratings_list(request.user),
        department=filters["department"].pk if filters.get("department") else None,
        score=filters.get("score"),
        since=filters.get("since"),
        until=filters.get("until"),
        follow_up_pending=bool(filters.get("pending")),
    ).order_by("-at", "-id")
    page = Paginator(queryset, 50).get_page(params.get("page"))
    refused_id, refused_form = refused or (None, None)
    rows = []
    for rating in ratings.with_texts(list(page)):
        rows.append(
            {
                "rating": rating,
                "show_note": ratings.may_read_follow_up_note(request.user, rating),
                "follow_up_form": (
                    refused_form if rating.pk == refused_id else follow_up_form(rating)
                )
                if ratings.may_record_follow_up(request.user, rating)
                else None,
                "refused": rating.pk == refused_id,
            }
        )
    query = params.copy()
    query.pop("page", None)
    here = reverse("rating_list") + (f"?{params.urlencode()}" if params else "")
    return render(
        request,
        "supervision/ratings.html",
        {"page": page, "rows": rows, "form": form, "query": query.urlencode(), "here": here},
        status=status,
    )


@require_POST
@login_required
def rating_follow_up(request, rating_id: int):
    rating = ratings.rating_for(request.user, rating_id)
    form = follow_up_form(rating, request.POST)
    back = _safe_next(request) or reverse("rating_list")
    status = 400
    if form.is_valid():
        with refusal_shown(request, form) as outcome:
            ratings.rating_follow_up(
                actor=request.user, rating=rating, note=form.cleaned_data["note"]
            )
        if outcome.ok:
            messages.success(request, _("The follow-up call was recorded."))
            return HttpResponseRedirect(back)
        status = 409
    # Shown again with the note kept and why it was refused.
    if not _may_list(request.user):
        raise NotVisible(_("Rating not found."))
    return _list_page(request, _next_query(request), refused=(rating.pk, form), status=status)


def _safe_next(request) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _next_query(request) -> QueryDict:
    """The list's filters the form came from (its `next`), to show the same rows again."""
    target = _safe_next(request) or ""
    return QueryDict(target.partition("?")[2])
