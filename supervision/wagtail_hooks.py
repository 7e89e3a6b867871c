"""The escalation ladder in the back office: bureau staff add, change and switch off its rungs.

A rung is global, or for one department, or for one approval item (never both): for a card the
most specific scope that has rungs for its colour replaces the others (`supervision.ladder`).
Rungs are not deleted: the steps already taken point at them; a rung is switched off instead.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, ObjectList
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.models import User
from portal.roles import HELPER, STAFF, groups_of_roles, is_bureau_staff

from .ladder import MAX_AFTER_DAYS
from .models import EscalationRule


class StaffOnlyNoDeletePolicy(ModelPermissionPolicy):
    """Bureau staff only, whatever Django permissions say; and nobody deletes a rung."""

    def user_has_permission(self, user, action):
        return action != "delete" and is_bureau_staff(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "delete" in actions and len(set(actions)) == 1:
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name__in=groups_of_roles(STAFF)), is_active=True
        ).distinct()


register_permission_policy(
    EscalationRule, StaffOnlyNoDeletePolicy(EscalationRule), exact_class=True
)


class EscalationRuleForm(WagtailAdminModelForm):
    """The ladder's rules: a step 0 to 60 working days after the card, one scope at most,
    people named when the step notifies the people named."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "people" in self.fields:
            self.fields["people"].queryset = (
                User.objects.filter(
                    Q(is_superuser=True) | Q(groups__name__in=groups_of_roles(STAFF, HELPER)),
                    is_active=True,
                )
                .distinct()
                .order_by("name", "username")
            )
            self.fields["people"].widget = forms.CheckboxSelectMultiple()
            self.fields["people"].widget.choices = self.fields["people"].choices

    def clean(self):
        cleaned = super().clean()
        after = cleaned.get("after_days")
        if after is not None and not 0 <= after <= MAX_AFTER_DAYS:
            self.add_error(
                "after_days",
                _("Give a number of working days from 0 to %(max)d.") % {"max": MAX_AFTER_DAYS},
            )
        if cleaned.get("department") and cleaned.get("item"):
            self.add_error(
                "item",
                _("A rule is for one department or for one approval item, not both."),
            )
        warn = cleaned.get("warn_days")
        if warn is not None and warn > 20:
            self.add_error("warn_days", _("Give a number of working days from 0 to 20."))
        stalled = cleaned.get("stalled_days")
        if stalled is not None and not 1 <= stalled <= MAX_AFTER_DAYS:
            self.add_error(
                "stalled_days",
                _("Give a number of working days from 1 to %(max)d.") % {"max": MAX_AFTER_DAYS},
            )
        if cleaned.get("action") == EscalationRule.Action.PEOPLE and not cleaned.get("people"):
            self.add_error("people", _("Name the people this step notifies."))
        return cleaned


class EscalationRuleViewSet(SnippetViewSet):
    model = EscalationRule
    icon = "warning"
    menu_label = gettext_lazy("Escalation ladder")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["trigger", "after_days", "action", "department", "item", "active"]
    list_filter = ["trigger", "action", "active"]
    ordering = ["trigger", "after_days", "id"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            HelpPanel(
                content=gettext_lazy(
                    "Each rule is one step of the escalation ladder: so many working days after "
                    "a card of this colour was issued, the step is taken once. Leave both the "
                    "department and the item empty for a global rule; a rule for a department "
                    "or an item replaces the global rules of that colour there."
                )
            ),
            FieldRowPanel([FieldPanel("trigger"), FieldPanel("after_days"), FieldPanel("action")]),
            FieldRowPanel([FieldPanel("department"), FieldPanel("item")]),
            FieldPanel("people"),
            FieldRowPanel([FieldPanel("warn_days"), FieldPanel("stalled_days")]),
            FieldPanel("active"),
        ],
        base_form_class=EscalationRuleForm,
    )


register_snippet(EscalationRuleViewSet)
