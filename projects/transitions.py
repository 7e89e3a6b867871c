"""The approval lifecycle in one table: each action, the states it starts from, who may take
it, its words and its arguments. The model, services, permissions, forms, API schema, views and
templates read this table; adding an action is one row here and one service function.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Approval

S = Approval.Status

# Who, besides bureau staff (who may take every action):
OFFICER = "officer"  # an officer of the approval's department
ENTERPRISE = "enterprise"  # a user of the project unit
HELPER_FOR_ENTERPRISE = "helper_for_enterprise"  # a helper acting for the project unit


@dataclass(frozen=True)
class Argument:
    """One input of a transition. `kind`: text, line (one short line), materials,
    non_key_materials, date, or confirm (a tick box offered when the service asks for it)."""

    name: str
    kind: str
    label: str | Promise
    required: bool = False
    max_length: int = 4000
    help: str | Promise = ""


@dataclass(frozen=True)
class Transition:
    action: str
    from_states: tuple[str, ...]
    to_state: str
    who: frozenset[str]
    verb: str | Promise  # "You may see this approval but not <verb> it."
    legend: str | Promise  # the form's title
    button: str | Promise
    done: str | Promise  # the message after it, with %(item)s
    arguments: tuple[Argument, ...] = ()
    help: str | Promise = ""
    danger: bool = False
    # Offered in the officer's queue as one click (it takes no argument).
    quick: bool = False

    @property
    def argument_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.arguments)


REASON = Argument("reason", "text", _("Reason"), required=True)
MATERIALS_DUE = Argument("materials_due", "date", _("To be supplied by"))
DECISION_NUMBER = Argument(
    "decision_number",
    "line",
    _("Decision document number"),
    max_length=60,
    help=_("As printed on the decision, e.g. 区发改投资〔2026〕15号"),
)
# Offered only when files sent for this approval still wait for review (see the service).
ON_PAPER = Argument(
    "on_paper",
    "confirm",
    _("I decide on the paper file: the versions not reviewed here were checked on paper"),
)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "receive",
            (S.PENDING,),
            S.RECEIVED,
            frozenset({OFFICER}),
            verb=_("receive"),
            legend=_("Receive the application"),
            button=_("Receive the application"),
            done=_("Received: %(item)s."),
            quick=True,
        ),
        Transition(
            "accept",
            (S.RECEIVED,),
            S.ACCEPTED,
            frozenset({OFFICER}),
            verb=_("accept"),
            legend=_("Accept the file"),
            button=_("Accept"),
            done=_("Accepted: %(item)s. The clock runs."),
            arguments=(
                Argument("missing_materials", "non_key_materials", _("Missing materials")),
                MATERIALS_DUE,
            ),
            help=_("Tick the non-key materials that are missing (accept now, supplement later)."),
            quick=True,
        ),
        Transition(
            "request_supplement",
            (S.ACCEPTED,),
            S.SUPPLEMENT_REQUESTED,
            frozenset({OFFICER}),
            verb=_("request a supplement for"),
            legend=_("Ask for a supplement (stops the clock)"),
            button=_("Ask for a supplement"),
            done=_("Supplement requested for %(item)s. The clock is paused."),
            arguments=(
                Argument("missing_materials", "materials", _("Materials"), required=True),
                REASON,
                MATERIALS_DUE,
            ),
        ),
        Transition(
            "supplement",
            (S.SUPPLEMENT_REQUESTED,),
            S.ACCEPTED,
            frozenset({ENTERPRISE, HELPER_FOR_ENTERPRISE}),
            verb=_("supplement"),
            legend=_("Send the supplement"),
            button=_("Send the supplement"),
            done=_("Supplement sent for %(item)s. The clock runs again."),
            help=_(
                "Upload the requested materials above, then send the supplement: "
                "the clock restarts."
            ),
        ),
        Transition(
            "approve",
            (S.ACCEPTED,),
            S.APPROVED,
            frozenset({OFFICER}),
            verb=_("approve"),
            legend=_("Approve"),
            button=_("Approve"),
            done=_("Approved: %(item)s."),
            arguments=(
                DECISION_NUMBER,
                Argument("conditions", "text", _("Conditions (optional)")),
                ON_PAPER,
            ),
        ),
        Transition(
            "reject",
            (S.RECEIVED, S.ACCEPTED),
            S.REJECTED,
            frozenset({OFFICER}),
            verb=_("reject"),
            legend=_("Reject"),
            button=_("Reject"),
            done=_("Rejected: %(item)s."),
            arguments=(REASON, DECISION_NUMBER),
            danger=True,
        ),
        Transition(
            "withdraw",
            tuple(Approval.OPEN),
            S.WITHDRAWN,
            frozenset({ENTERPRISE}),
            verb=_("withdraw"),
            legend=_("Withdraw the application"),
            button=_("Withdraw"),
            done=_("Withdrawn: %(item)s."),
            arguments=(REASON,),
            danger=True,
        ),
    )
}
ACTIONS = tuple(TRANSITIONS)


def transition(action: str) -> Transition | None:
    return TRANSITIONS.get(action)


def allowed_from(action: str) -> tuple[str, ...]:
    return TRANSITIONS[action].from_states
