"""Forms of the project pages: they parse and validate input; services decide."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.models import User
from portal.roles import ENTERPRISE, HELPER, STAFF, groups_of_roles

from .models import ApprovalItem, Department, Enterprise, Industry, MaterialVersion, Project, Town
from .transitions import TRANSITIONS


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
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.all(),
        empty_label=_("All departments"),
    )


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


def helpers_queryset():
    return (
        User.objects.filter(is_active=True, groups__name__in=groups_of_roles(HELPER, STAFF))
        .distinct()
        .order_by("username")
    )


class ProjectForm(forms.Form):
    """Registering a project: its facts, its approvals, its helpers."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    enterprise = forms.ModelChoiceField(label=_("Project unit"), queryset=Enterprise.objects.all())
    industry = forms.ModelChoiceField(
        label=_("Industry"), queryset=Industry.objects.all(), required=False
    )
    use_industry_set = forms.BooleanField(
        label=_("Add the industry's standard approval items"), required=False, initial=True
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
    lead_helper = forms.ModelChoiceField(
        label=_("Lead helper"), queryset=User.objects.none(), required=False
    )
    helpers = forms.ModelMultipleChoiceField(
        label=_("Other helpers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.ModelMultipleChoiceField(
        label=_("Approval items (their prerequisites are added)"),
        queryset=ApprovalItem.objects.filter(is_active=True).select_related("department"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_helper"].queryset = helpers_queryset()
        self.fields["helpers"].queryset = helpers_queryset()


class HelpersForm(forms.Form):
    lead_helper = forms.ModelChoiceField(
        label=_("Lead helper"), queryset=User.objects.none(), required=False
    )
    helpers = forms.ModelMultipleChoiceField(
        label=_("Other helpers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_helper"].queryset = helpers_queryset()
        self.fields["helpers"].queryset = helpers_queryset()


class AddItemsForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        label=_("Add approval items"),
        queryset=ApprovalItem.objects.filter(is_active=True).select_related("department"),
        widget=forms.CheckboxSelectMultiple,
    )


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "language"]


class DeactivateForm(forms.Form):
    successor = forms.ModelChoiceField(
        label=_("Who takes over their projects"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = helpers_queryset()
        if user is not None:
            queryset = queryset.exclude(pk=user.pk)
        self.fields["successor"].queryset = queryset


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
    user = forms.ModelChoiceField(
        label=_("User of the enterprise"),
        queryset=User.objects.filter(is_active=True, groups__name__in=groups_of_roles(ENTERPRISE))
        .distinct()
        .order_by("name", "username"),
    )
    administrator = forms.TypedChoiceField(
        label=_("Administrator"),
        choices=[("1", _("Make administrator")), ("0", _("No longer administrator"))],
        coerce=lambda value: value == "1",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.username})"


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
