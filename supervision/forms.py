"""The forms of the case pages. They parse input; the services decide (and refuse)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import User
from projects.forms import OptionsSelect, cached_choices
from projects.models import Approval, Department, Project

from .models import Case

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class CaseFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Case.Kind.choices]
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), ("open", _("not closed")), *Case.State.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Number or subject line"), required=False, max_length=100)


class TransitionForm(forms.Form):
    """Any row of the transition table: the action and every argument an action may take."""

    action = forms.CharField(max_length=30)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.all()
    )
    assignee = forms.ModelChoiceField(
        label=_("Person (optional)"),
        required=False,
        queryset=User.objects.filter(is_active=True, departments__isnull=False).distinct(),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=TEXTAREA)
    answer = forms.CharField(label=_("Answer"), required=False, max_length=4000, widget=TEXTAREA)
    question = forms.CharField(
        label=_("Question"), required=False, max_length=4000, widget=TEXTAREA
    )
    body = forms.CharField(label=_("Your reply"), required=False, max_length=4000, widget=TEXTAREA)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000, widget=TEXTAREA)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=4000, widget=TEXTAREA)
    internal = forms.BooleanField(
        label=_("Internal note (not shown to the enterprise or the caller)"), required=False
    )
    files = MultipleFileField(
        label=_("Attachments (PDF, images, Word or Excel; at most 5)"), required=False
    )

    def __init__(self, *args, internal_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not internal_allowed:
            del self.fields["internal"]


class EnterpriseCaseForm(forms.Form):
    """An enterprise asks for help (诉求) or complains (投诉) about one of its projects."""

    kind = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (Case.Kind.REQUEST, _("Ask for help (诉求)")),
            (Case.Kind.COMPLAINT, _("Complain (投诉)")),
        ],
        widget=forms.RadioSelect,
    )
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.none(), required=False
    )
    approval = forms.ModelChoiceField(
        label=_("About the approval (optional)"), queryset=Approval.objects.none(), required=False
    )
    title = forms.CharField(label=_("Subject line"), max_length=200)
    body = forms.CharField(
        label=_("What happened, what you need"), max_length=4000, widget=TEXTAREA
    )

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        projects = projects if projects is not None else Project.objects.none()
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = _("None in particular")
        self.fields["approval"].queryset = Approval.objects.filter(
            project__in=projects
        ).select_related("item", "project")
        self.fields["approval"].label_from_instance = lambda a: (
            f"{a.project.code} · {a.item.code} {a.item.label}"
        )

    def clean(self):
        data = super().clean()
        approval, project = data.get("approval"), data.get("project")
        if approval is not None and project is not None and approval.project_id != project.pk:
            self.add_error("approval", _("This approval is not one of the chosen project's."))
        return data


class HotlineForm(forms.Form):
    """Staff record a call to the service hotline (热线)."""

    kind = forms.ChoiceField(
        label=_("The call is"),
        choices=[
            (Case.Kind.HOTLINE, _("an enquiry or request")),
            (Case.Kind.COMPLAINT, _("a complaint")),
        ],
        initial=Case.Kind.HOTLINE,
        widget=forms.RadioSelect,
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False)
    title = forms.CharField(label=_("Subject line"), max_length=200)
    body = forms.CharField(
        label=_("What the caller said"), max_length=4000, required=False, widget=TEXTAREA
    )
    project = forms.ModelChoiceField(
        label=_("About the project (optional)"),
        queryset=Project.objects.all(),
        required=False,
        widget=OptionsSelect,
    )
    department = forms.ModelChoiceField(
        label=_("Assign to the department (optional)"),
        queryset=Department.objects.all(),
        required=False,
        widget=OptionsSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("project", "department"):
            field = self.fields[name]
            field.choices = cached_choices(field.queryset.model, _("None"))

    def clean(self):
        data = super().clean()
        if not data.get("caller_name") and not data.get("caller_phone"):
            self.add_error("caller_phone", _("Give the caller's name or phone number."))
        return data


class SupervisionCaseForm(forms.Form):
    """Staff or the project's helpers open a supervision case (督办) about a project."""

    title = forms.CharField(label=_("Subject line"), max_length=200)
    body = forms.CharField(label=_("What must be done"), max_length=4000, widget=TEXTAREA)
    approval = forms.ModelChoiceField(
        label=_("About the approval (optional)"), queryset=Approval.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Assign to the department (optional)"),
        queryset=Department.objects.all(),
        required=False,
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["approval"].queryset = project.approvals.select_related("item")
            self.fields["approval"].label_from_instance = lambda a: f"{a.item.code} {a.item.label}"


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
    code = forms.CharField(label=_("Tracking code"), max_length=20)
