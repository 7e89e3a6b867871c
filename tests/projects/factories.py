"""Small builders for project data; each returns saved rows."""

import itertools
from datetime import UTC, datetime

from django.contrib.auth.models import Group

from portal.models import User
from portal.roles import GROUP_OF_ROLE
from projects.models import (
    ApprovalItem,
    Department,
    Enterprise,
    Industry,
    ItemMaterial,
    Town,
)
from projects.services import project_register

_seq = itertools.count(1)

# The group that gives each role, as the portal names it (one list: portal.roles).
ROLE_GROUP = GROUP_OF_ROLE


def user(
    username: str | None = None, role: str | None = None, password: str = "pw", **fields
) -> User:
    username = username or f"user{next(_seq)}"
    person = User.objects.create_user(username=username, password=password, **fields)
    if role:
        person.groups.add(Group.objects.get_or_create(name=ROLE_GROUP[role])[0])
    if role == "staff":
        person.is_staff = person.is_superuser = True
        person.save()
    return person


def department(name: str | None = None, **fields) -> Department:
    n = next(_seq)
    return Department.objects.create(
        name=name or f"部门{n}",
        name_en=fields.pop("name_en", f"Department {n}"),
        short_name=fields.pop("short_name", f"D{n}"),
        level=fields.pop("level", Department.Level.DISTRICT),
        **fields,
    )


def officer(dept: Department, username: str | None = None) -> User:
    person = user(username, "officer")
    dept.officers.add(person)
    return person


def item(
    dept: Department,
    code: str | None = None,
    *,
    promised: int = 5,
    statutory: int = 20,
    materials=(("申请表", "Application form", True), ("补充说明", "Supplementary note", False)),
    prerequisites=(),
) -> ApprovalItem:
    n = next(_seq)
    created = ApprovalItem.objects.create(
        code=code or f"ITEM-{n}",
        name=f"审批事项{n}",
        name_en=f"Approval item {n}",
        department=dept,
        statutory_limit_days=statutory,
        promised_limit_days=promised,
    )
    for position, (name, name_en, key) in enumerate(materials):
        ItemMaterial.objects.create(
            item=created, name=name, name_en=name_en, key=key, position=position
        )
    created.prerequisites.set(prerequisites)
    return created


def enterprise(users=(), name: str | None = None) -> Enterprise:
    n = next(_seq)
    created = Enterprise.objects.create(name=name or f"企业{n}", name_en=f"Enterprise {n}")
    created.users.set(users)
    return created


def industry(items=(), code: str | None = None) -> Industry:
    n = next(_seq)
    created = Industry.objects.create(code=code or f"industry-{n}", name=f"行业{n}")
    created.standard_items.set(items)
    return created


def town(name: str | None = None) -> Town:
    n = next(_seq)
    return Town.objects.create(name=name or f"镇{n}", name_en=f"Town {n}")


def project(actor: User, ent: Enterprise, items=(), *, lead=None, helpers=(), now=None, **fields):
    n = next(_seq)
    return project_register(
        actor=actor,
        code=fields.pop("code", f"P-{n}"),
        name=fields.pop("name", f"项目{n}"),
        enterprise=ent,
        items=list(items),
        lead_helper=lead,
        helpers=list(helpers),
        now=now or datetime(2026, 9, 1, 2, 0, tzinfo=UTC),
        **fields,
    )
