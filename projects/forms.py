"""Forms of the project pages: they parse and validate input; services decide."""

import time

from django import forms
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.models import User
from portal.roles import ENTERPRISE, HELPER, STAFF, is_bureau_staff

from . import pickers
from .models import Department, Enterprise, MaterialVersion, Project, Town
from .services.projects import project_code_next
from .transitions import TRANSITIONS


class OptionsSelect(forms.Select):
    """A select whose options are written in Python: a filter's few dozen options cost a
    template render each through Django's widget templates (a tenth of the project list)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)  # noqa: S308
                for key, label in self.choices
            ),
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>\n{}\n</select>', name, attributes, options)


# The filters' towns and departments, per language: read once a minute, not on every list.
CHOICES_SECONDS = 60.0
_choices: dict[tuple[str, str | None], tuple[float, list[tuple[object, str]]]] = {}


def cached_choices(model, empty_label) -> list[tuple[object, str]]:
    key = (model._meta.label, translation.get_language())
    cached = _choices.get(key)
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    rows = [("", str(empty_label))] + [(o.pk, o.label) for o in model.objects.all()]
    _choices[key] = (time.monotonic() + CHOICES_SECONDS, rows)
    return rows


@receiver(post_save, sender=Town, dispatch_uid="projects.forms.town_saved")
@receiver(post_delete, sender=Town, dispatch_uid="projects.forms.town_deleted")
@receiver(post_save, sender=Department, dispatch_uid="projects.forms.department_saved")
@receiver(post_delete, sender=Department, dispatch_uid="projects.forms.department_deleted")
def _forget_choices(sender, **kwargs) -> None:
    forget_filter_choices()


def forget_filter_choices() -> None:
    _choices.clear()


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Project.Stage.choices]
    )
    town = forms.ModelChoiceField(
        label=_("Town or zone"),
        required=False,
        queryset=Town.objects.all(),
        empty_label=_("All towns"),
        widget=OptionsSelect,
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.all(),
        empty_label=_("All departments"),
        widget=OptionsSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown from the cached list; a submitted value is still checked against the table.
        for name in ("town", "department"):
            field = self.fields[name]
            field.choices = cached_choices(field.queryset.model, field.empty_label)


class TransitionForm(forms.Form):
    """Any row of the transition table: the action and every argument an action may take."""

    action = forms.ChoiceField(choices=[(t.action, t.legend) for t in TRANSITIONS.values()])
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    missing_materials = forms.MultipleChoiceField(
        label=_("Missing materials"), required=False, widget=forms.CheckboxSelectMultiple
    )
    materials_due = forms.DateField(
        label=_("To be supplied by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    decision_number = forms.CharField(
        label=_("Decision document number"), required=False, max_length=60
    )
    on_paper = forms.BooleanField(label=_("I decide on the paper file"), required=False)

    def __init__(self, *args, approval=None, **kwargs):
        super().__init__(*args, **kwargs)
        if approval is not None:
            self.fields["missing_materials"].choices = [
                (str(m.pk), m.label) for m in approval.materials.all()
            ]

    def cleaned_missing(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("missing_materials") or []]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            (MaterialVersion.Review.ACCEPTED, _("Accept")),
            (MaterialVersion.Review.NEEDS_CORRECTION, _("Needs correction")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal = forms.BooleanField(label=_("Internal (not shown to the enterprise)"), required=False)
    approval = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachment = forms.FileField(label=_("Attach a file"), required=False)


# Who may be a project's helper (the service refuses anyone else: services.projects.set_helpers).
HELPER_ROLES = (HELPER, STAFF)


def helpers_queryset():
    return pickers.people(*HELPER_ROLES)


class ProjectForm(forms.Form):
    """Registering a project: its facts, its approvals, its helpers.

    The code is the next free number of the bureau's pattern (ZDXM-YYYY-NNN), proposed here;
    bureau staff may change it, anyone else sees it read-only and the server ignores what they
    send. The number is taken for good only when the project is saved (the service takes the
    next one if somebody registered in between)."""

    code = forms.CharField(label=_("Code"), max_length=40)
    # The code proposed when the form was shown: a staff member who kept it gets the next free
    # number even if somebody took that one meanwhile; a code they typed must be free.
    code_proposed = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    enterprise = forms.ModelChoiceField(label=_("Project unit"), queryset=Enterprise.objects.all())
    industry = pickers.IndustryField(label=_("Industry"), required=False)
    use_industry_set = forms.BooleanField(
        label=_(
            "Also add the chosen industry's standard approval items (with their prerequisites)"
        ),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"data-picker-preset-fallback": ""}),
    )
    town = forms.ModelChoiceField(
        label=_("Town or zone"), queryset=Town.objects.all(), required=False
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=Project.Stage.choices)
    investment = forms.DecimalField(
        label=_("Investment (10,000 yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    planned_start = forms.DateField(
        label=_("Planned start of construction"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    leading_official = forms.CharField(label=_("Leading official"), max_length=100, required=False)
    lead_helper = pickers.PersonField(
        label=_("Lead helper"),
        roles=HELPER_ROLES,
        required=False,
        empty_label=_("No lead helper yet"),
    )
    helpers = pickers.PeopleField(label=_("Other helpers"), roles=HELPER_ROLES, required=False)
    items = pickers.ItemsField(
        label=_("Approval items (their prerequisites are added)"), required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        proposed = project_code_next(today=today)
        self.code_editable = user is not None and is_bureau_staff(user)
        code = self.fields["code"]
        code.initial = proposed
        self.fields["code_proposed"].initial = proposed
        if self.code_editable:
            code.help_text = _(
                "Proposed: the next free number of the year. Keep it, or type another code"
                " (it must not be in use)."
            )
        else:
            code.disabled = True
            code.required = False
            code.help_text = _(
                "Given by the portal: the next free number of the year. Only bureau staff"
                " change it."
            )

    def clean_code(self) -> str | None:
        """None: the service gives the next free number when it saves."""
        if not self.code_editable:
            return None
        code = (self.cleaned_data.get("code") or "").strip()
        if not code or code == (self.data.get(self.add_prefix("code_proposed")) or "").strip():
            return None
        return code


class HelpersForm(forms.Form):
    lead_helper = pickers.PersonField(
        label=_("Lead helper"),
        roles=HELPER_ROLES,
        required=False,
        empty_label=_("No lead helper yet"),
    )
    helpers = pickers.PeopleField(label=_("Other helpers"), roles=HELPER_ROLES, required=False)


class AddItemsForm(forms.Form):
    items = pickers.ItemsField(label=_("Add approval items"))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            # What the project has already is not offered again.
            field = self.fields["items"]
            field.queryset = field.queryset.exclude(pk__in=project.approvals.values("item_id"))


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "language"]


class DeactivateForm(forms.Form):
    successor = pickers.PersonField(
        label=_("Who takes over their projects"),
        roles=HELPER_ROLES,
        required=False,
        empty_label=_("Nobody (only if they lead no project)"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            field = self.fields["successor"]
            field.queryset = field.queryset.exclude(pk=user.pk)


class ProjectFactsForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "name_en",
            "stage",
            "industry",
            "town",
            "investment",
            "planned_start",
            "leading_official",
            "description",
            "is_major",
        ]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class MembershipDecisionForm(forms.Form):
    """Confirm or refuse a person waiting to become a user of an enterprise."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("confirm", _("Confirm")), ("refuse", _("Refuse"))]
    )


class AdministratorForm(forms.Form):
    """Staff make one of an enterprise's users its administrator, or no longer."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.all())
    user = pickers.PersonField(label=_("User of the enterprise"), roles=(ENTERPRISE,))
    administrator = forms.TypedChoiceField(
        label=_("Administrator"),
        choices=[("1", _("Make administrator")), ("0", _("No longer administrator"))],
        coerce=lambda value: value == "1",
    )


class QueueFilterForm(forms.Form):
    """The officer's queue: what to show (by default everything to act on, not the items
    nobody has applied for yet), a project, and how soon it is due."""

    STATES = [
        ("", _("Everything to act on")),
        ("received", _("Received: to accept")),
        ("supplemented", _("Supplemented: files to review")),
        ("accepted", _("Accepted: the clock runs")),
        ("waiting", _("Waiting for the enterprise")),
        ("applied", _("Applied online: to receive")),
        ("not_applied", _("Not applied for yet")),
    ]
    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
    project = forms.CharField(label=_("Project name or code"), required=False, max_length=100)
    due_within = forms.IntegerField(
        label=_("Due within (working days)"), required=False, min_value=0, max_value=365
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )
