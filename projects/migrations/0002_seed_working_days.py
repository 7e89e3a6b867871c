"""Seed the working-day calendar from the `holidays` library, once.

From then on the table is the truth and staff own it: upgrading the library never shifts a
due date. Years the library knows with their make-up working days: 2019 to its last one.
"""

from django.db import migrations

FIRST_YEAR = 2019


def seed(apps, schema_editor):
    import holidays
    from holidays.countries.china import ChinaStaticHolidays

    WorkingDay = apps.get_model("projects", "WorkingDay")
    last_year = max(ChinaStaticHolidays.special_public_holidays)
    years = list(range(FIRST_YEAR, last_year + 1))
    calendar = holidays.China(years=years, language="zh_CN")
    entries = {
        day: WorkingDay(date=day, is_working=False, name=str(label)[:100], source="holidays")
        for day, label in calendar.items()
        if day.year in years
    }
    for day in calendar.weekend_workdays:
        if day.year in years:
            entries[day] = WorkingDay(date=day, is_working=True, name="调休上班", source="holidays")
    WorkingDay.objects.bulk_create(entries.values(), ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("projects", "WorkingDay").objects.filter(source="holidays").delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
