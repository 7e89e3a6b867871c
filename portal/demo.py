"""Demo accounts for `seed_demo`: one for each kind of user."""

from dataclasses import dataclass

from django.contrib.auth.models import Group

from .models import User
from .roles import ROLE_GROUPS


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    groups: tuple[str, ...]
    language: str = "zh-hans"
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        "staff",
        "李静",
        "bureau staff: portal admin, Wagtail moderator",
        ("Bureau staff", "Moderators"),
        superuser=True,
    ),
    DemoAccount(
        "editor", "陈晓", "editor: writes pages, submits them for moderation", ("Editors",)
    ),
    DemoAccount("helper", "王海", "helper: leads most projects", ("Helpers",)),
    DemoAccount("helper2", "赵敏", "helper: leads some projects", ("Helpers",)),
    DemoAccount("officer", "刘洋", "officer of the planning department", ("Department officers",)),
    DemoAccount(
        "enterprise", "孙强", "enterprise user: the automotive-glass plant", ("Enterprise users",)
    ),
    DemoAccount(
        "enterprise2",
        "Anna Weber",
        "enterprise user of another enterprise",
        ("Enterprise users",),
        language="en",
    ),
]


def seed_accounts(*, password: str) -> list[User]:
    """Create or refresh the demo accounts; running it twice leaves the same rows."""
    for group_name in ROLE_GROUPS:
        Group.objects.get_or_create(name=group_name)
    users = []
    for account in DEMO_ACCOUNTS:
        user, _created = User.objects.update_or_create(
            username=account.username,
            defaults={
                "name": account.name,
                "email": f"{account.username}@portal.example",
                "language": account.language,
                "is_active": True,
                "is_staff": account.superuser,
                "is_superuser": account.superuser,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.set(Group.objects.filter(name__in=account.groups))
        users.append(user)
    return users


def delete_accounts() -> None:
    User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).delete()
