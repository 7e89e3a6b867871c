"""How events and states read to a person, in the active language."""

from django.utils.translation import gettext_lazy as _

COLOUR_LABELS = {
    "on_track": _("on track"),
    "due_soon": _("due soon"),
    "overdue": _("overdue"),
    "paused": _("waiting for the enterprise"),
    "not_started": _("not started"),
    "closed": _("closed"),
}
BALL_LABELS = {"department": _("department"), "enterprise": _("enterprise")}
NEED_LABELS = {
    "requested": _("requested in a supplement"),
    "missing": _("to be supplied (accepted without it)"),
    "correct": _("needs correction"),
    "apply": _("to send with the application"),
    "uploaded": _("uploaded: send the supplement once everything is in"),
}
EVENT_LABELS = {
    "project.registered": _("registered the project"),
    "project.helpers_changed": _("changed the helpers"),
    "project.assigned": _("assigned you to a project"),
    "project.unassigned": _("removed you from a project"),
    "project.approvals_added": _("added approvals"),
    "project.approval_removed": _("removed an approval"),
    "project.updated": _("updated the project"),
    "approval.received": _("received"),
    "approval.accepted": _("accepted"),
    "approval.supplement_requested": _("asked for a supplement to"),
    "approval.supplemented": _("supplemented"),
    "approval.approved": _("approved"),
    "approval.rejected": _("rejected"),
    "approval.withdrawn": _("withdrew"),
    "approval.due_date_changed": _("moved the due date of"),
    "approval.due_soon": _("is due soon:"),
    "approval.overdue": _("is overdue:"),
    "material.uploaded": _("uploaded a material for"),
    "material.reviewed": _("reviewed a material of"),
    "comment.added": _("commented"),
    "meeting.scheduled": _("scheduled"),
    "meeting.drafted": _("drafted"),
    "meeting.changed": _("changed"),
    "meeting.cancelled": _("cancelled"),
    "meeting.answered": _("answered the invitation to"),
    "meeting.agenda_changed": _("changed the agenda of"),
    "meeting.minutes_published": _("published the minutes of"),
    "meeting.internal_minutes_published": _("published internal minutes of"),
    "meeting.finding_added": _("recorded a finding at"),
    "action_item.created": _("created an action item:"),
    "action_item.closed": _("closed an action item:"),
    "enterprise.user_invited": _("invited an enterprise user"),
    "account.deactivated": _("deactivated the account"),
}


def event_sentence(event_type: str) -> str:
    return str(EVENT_LABELS.get(event_type, event_type))
