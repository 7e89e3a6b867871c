"""The project list's filters: the town and department options come from a per-process list
(no query per page) in the reader's language, a new or renamed town shows at once, and a
submitted value is still checked against the table."""

import pytest
from django.utils import translation

from projects.forms import ProjectFilterForm
from projects.models import Town
from tests.projects import factories as f

pytestmark = pytest.mark.django_db


def test_the_options_are_listed_in_the_readers_language_without_a_query(
    django_assert_num_queries,
):
    f.town("杨柳青镇")
    Town.objects.filter(name="杨柳青镇").update(name_en="Yangliuqing")
    f.department("规划局", name_en="Planning bureau")
    with translation.override("zh-hans"):
        str(ProjectFilterForm()["town"])  # the first list of the process reads the tables
        str(ProjectFilterForm()["department"])
        with django_assert_num_queries(0):
            html = str(ProjectFilterForm()["town"]) + str(ProjectFilterForm()["department"])
    assert "杨柳青镇" in html and "规划局" in html
    with translation.override("en"):
        html = str(ProjectFilterForm()["town"]) + str(ProjectFilterForm()["department"])
    assert "Yangliuqing" in html and "Planning bureau" in html
    assert 'name="town" id="id_town"' in html


def test_the_chosen_option_is_selected_and_a_new_town_shows_at_once():
    town = f.town("精武镇")
    form = ProjectFilterForm({"town": str(town.pk)})
    assert form.is_valid()
    assert form.cleaned_data["town"] == town
    assert f'<option value="{town.pk}" selected>{town.name_en}</option>' in str(form["town"])
    added = f.town("大寺镇")
    assert f'<option value="{added.pk}">{added.name_en}</option>' in str(
        ProjectFilterForm()["town"]
    )


def test_a_made_up_town_is_refused():
    form = ProjectFilterForm({"town": "999999"})
    assert not form.is_valid()
    assert "town" in form.errors
