"""Which channel-layer groups hear a stream's signals.

Groups are by role, department, enterprise and user, never one per project per connection:
a staff member sees thousands of projects on one socket. A consumer in these groups still
checks that its user may read the stream before forwarding anything.
"""

from .models import Approval, Project

STAFF_GROUP = "role.staff"


def department_group(department_id: int) -> str:
    return f"dept.{department_id}"


def enterprise_group(enterprise_id: int) -> str:
    return f"ent.{enterprise_id}"


def groups_for_stream(stream: str) -> list[str]:
    from portal.realtime import user_group

    kind, _, rest = stream.partition(":")
    if kind == "user":
        return [user_group(int(rest))]
    if kind == "meeting":
        from meetings.selectors import groups_for_meeting_stream

        return groups_for_meeting_stream(stream)
    if kind != "project":
        return [STAFF_GROUP]
    project_id_text, _, suffix = rest.partition(":")
    project_id = int(project_id_text)
    project = (
        Project.objects.filter(pk=project_id).values("enterprise_id", "lead_helper_id").first()
    )
    if project is None:
        return []
    groups = [STAFF_GROUP]
    helper_ids = set(
        Project.helpers.through.objects.filter(project_id=project_id).values_list(
            "user_id", flat=True
        )
    )
    if project["lead_helper_id"]:
        helper_ids.add(project["lead_helper_id"])
    groups += [user_group(uid) for uid in sorted(helper_ids)]
    department_ids = (
        Approval.objects.filter(project_id=project_id)
        .values_list("department_id", flat=True)
        .distinct()
    )
    groups += [department_group(d) for d in sorted(set(department_ids))]
    if suffix != "internal":
        groups.append(enterprise_group(project["enterprise_id"]))
    return groups
