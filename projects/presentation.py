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
