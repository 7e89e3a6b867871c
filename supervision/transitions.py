"""The case lifecycle in one table: each action, the states it starts from, who may take it,
its words and its arguments. Services, permissions, forms, the API and the case page read it.

    opened -> dispatched -> signed -> answered -> closed
                  ^           |  ^        |         |
                  |   ask the opener (the stage clock stops) / the opener replies
                  +------------------ reopen <------+ (within REOPEN_WITHIN_DAYS)

Escalation keeps the state and raises the case's level (by hand, or by the sweep when a
stage's limit passes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Case

S = Case.State

# Who may take an action (nobody gets every action by role alone):
STAFF = "staff"  # bureau staff
SERVICE_GROUP = "service_group"  # the project's helpers (the major-project service group)
OFFICER = "officer"  # an officer of the department the case is assigned to
ASSIGNEE = "assignee"  # the person the case is assigned to
# Whoever opened it: the person; for an enterprise's case any user of that enterprise; for a
# case the system opened or a phone call staff recorded, bureau staff.
OPENER = "opener"

# A closed case may be reopened by its opener within this many working days of closing.
REOPEN_WITHIN_DAYS = 10
# The sweep raises the level of a case whose stage limit passed up to this level.
MAX_ESCALATION_LEVEL = 3

# The states whose limit runs (answered runs the automatic-closing clock instead).
STAGE_STATES = (S.OPENED, S.DISPATCHED, S.SIGNED)


@dataclass(frozen=True)
class Argument:
    """One input of a transition. `kind`: text, department, assignee."""

    name: str
    kind: str
    label: str | Promise
    required: bool = False
    max_length: int = 4000


@dataclass(frozen=True)
class Transition:
    action: str
    from_states: tuple[str, ...]
    # None: the state stays (asking the opener, their reply, escalation).
    to_state: str | None
    who: frozenset[str]
    verb: str | Promise  # "You may see this case but not <verb> it."
    legend: str | Promise  # the form's title
    button: str | Promise
    done: str | Promise  # the message after it, with %(number)s
    arguments: tuple[Argument, ...] = ()
    help: str | Promise = ""
    danger: bool = False

    @property
    def argument_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.arguments)


DEPARTMENT = Argument("department", "department", _("Department"), required=True)
ASSIGNED_PERSON = Argument("assignee", "assignee", _("Person (optional)"))
NOTE = Argument("note", "text", _("Note (optional)"))

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "dispatch",
            (S.OPENED, S.DISPATCHED),
            S.DISPATCHED,
            frozenset({STAFF, SERVICE_GROUP}),
            verb=_("dispatch"),
            legend=_("Assign to a department"),
            button=_("Dispatch"),
            done=_("Case %(number)s dispatched."),
            arguments=(DEPARTMENT, ASSIGNED_PERSON, NOTE),
            help=_("The department's officers are told; its clock to sign for the case starts."),
        ),
        Transition(
            "sign",
            (S.DISPATCHED,),
            S.SIGNED,
            frozenset({OFFICER, ASSIGNEE}),
            verb=_("sign for"),
            legend=_("Sign for the case"),
            button=_("Sign for it"),
            done=_("Case %(number)s signed for: the clock to answer runs."),
        ),
        Transition(
            "answer",
            (S.SIGNED,),
            S.ANSWERED,
            frozenset({OFFICER, ASSIGNEE}),
            verb=_("answer"),
            legend=_("Answer"),
            button=_("Send the answer"),
            done=_("Case %(number)s answered."),
            arguments=(Argument("answer", "text", _("Answer"), required=True),),
            help=_("The answer is shown to whoever opened the case (and on the tracking page)."),
        ),
        Transition(
            "ask_opener",
            (S.DISPATCHED, S.SIGNED),
            None,
            frozenset({OFFICER, ASSIGNEE}),
            verb=_("ask the opener about"),
            legend=_("Ask the opener for information (stops the clock)"),
            button=_("Ask the opener"),
            done=_("Question sent on %(number)s. The stage clock is paused."),
            arguments=(Argument("question", "text", _("Question"), required=True),),
        ),
        Transition(
            "opener_reply",
            (S.DISPATCHED, S.SIGNED),
            None,
            frozenset({OPENER}),
            verb=_("reply to the question on"),
            legend=_("Reply to the question"),
            button=_("Send the reply"),
            done=_("Reply sent on %(number)s. The clock runs again."),
            arguments=(Argument("body", "text", _("Your reply"), required=True),),
        ),
        Transition(
            "close",
            (S.ANSWERED,),
            S.CLOSED,
            frozenset({OPENER}),
            verb=_("close"),
            legend=_("Confirm the answer and close the case"),
            button=_("Confirm and close"),
            done=_("Case %(number)s closed."),
            arguments=(NOTE,),
        ),
        Transition(
            "reopen",
            (S.ANSWERED, S.CLOSED),
            S.DISPATCHED,
            frozenset({OPENER}),
            verb=_("reopen"),
            legend=_("Not resolved: reopen the case"),
            button=_("Reopen"),
            done=_("Case %(number)s reopened and sent back to the department."),
            arguments=(Argument("reason", "text", _("Why it is not resolved"), required=True),),
            danger=True,
        ),
        Transition(
            "escalate",
            STAGE_STATES,
            None,
            frozenset({STAFF, SERVICE_GROUP}),
            verb=_("escalate"),
            legend=_("Escalate"),
            button=_("Escalate"),
            done=_("Case %(number)s escalated."),
            arguments=(Argument("reason", "text", _("Reason"), required=True),),
            danger=True,
        ),
    )
}
ACTIONS = tuple(TRANSITIONS)


def transition(action: str) -> Transition | None:
    return TRANSITIONS.get(action)
