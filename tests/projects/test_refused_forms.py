"""A form the server refuses comes back with everything the person typed, and says why.

(The action forms and comments of the project page and the queue: test_decisions.py; the
registration form: test_pickers.py; the meeting forms: tests/meetings.)"""

import pytest

from projects.models import Project

pytestmark = pytest.mark.django_db


def test_project_facts_refused_for_a_date_out_of_range_keep_every_field(client, world):
    client.force_login(world.helper)
    response = client.post(
        f"/en/projects/{world.own.pk}/edit/",
        {
            "what": "facts",
            "name": "汽车玻璃项目（二期）",
            "name_en": "Glass plant, phase two",
            "stage": "signed",
            "investment": "12345.50",
            "planned_start": "1899-01-01",
            "leading_official": "副区长 周立新",
            "description": "新增两条浮法玻璃生产线",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    for typed in (
        "汽车玻璃项目（二期）",
        "Glass plant, phase two",
        "12345.50",
        "1899-01-01",
        "副区长 周立新",
        "新增两条浮法玻璃生产线",
    ):
        assert typed in html, typed
    assert Project.objects.get(pk=world.own.pk).name == "汽车玻璃项目"


def test_an_invitation_refused_keeps_name_email_and_language(client, world):
    client.force_login(world.helper)
    response = client.post(
        f"/en/projects/{world.own.pk}/edit/",
        {"what": "invite", "name": "李工", "email": "not-an-address", "language": "en"},
    )
    html = response.content.decode()
    assert "李工" in html and 'value="not-an-address"' in html
    assert '<option value="en" selected>' in html


def test_the_profile_refused_keeps_what_was_typed(client, world):
    client.force_login(world.enterprise)
    response = client.post(
        "/en/accounts/", {"name": "新名字", "email": "broken@", "language": "zh-hans"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="新名字"' in html and 'value="broken@"' in html
    world.enterprise.refresh_from_db()
    assert world.enterprise.get_full_name() != "新名字"


def test_deactivating_oneself_is_refused_with_the_reason(client, world):
    client.force_login(world.staff)
    response = client.post(
        f"/en/accounts/users/{world.staff.pk}/deactivate/", {"successor": world.helper.pk}
    )
    html = response.content.decode()
    assert "You cannot deactivate your own account." in html
    world.staff.refresh_from_db()
    assert world.staff.is_active
