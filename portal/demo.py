"""Demo accounts for `seed_demo`: one for each kind of user, read from demo/accounts.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DemoAccount:
        return cls(**{**data, "groups": tuple(data["groups"])})


# The accounts live in a data file outside the installed packages (`demo/` next to manage.py),
# read once here; a field left out takes the default above.
ACCOUNTS_FILE = Path(settings.BASE_DIR) / "demo" / "accounts.json"
DEMO_ACCOUNTS = [
    DemoAccount.from_json(row)
    for row in json.loads(ACCOUNTS_FILE.read_text(encoding="utf-8"))["accounts"]
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
