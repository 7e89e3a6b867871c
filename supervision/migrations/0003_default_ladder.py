"""The default escalation ladder, so that a new installation escalates from its first sweep:
yellow card: the lead helper; red card: the department head, + 3 working days: the people
staff name (the service group's leader: named in the back office), + 5: the next joint
meeting's agenda; stalled and overdue action items: the lead helper. Staff edit it in the back
office (Supervision > Escalation ladder). Nothing is added where a global rule exists."""

from django.db import migrations

DEFAULT = [
    ("yellow", 0, "lead_helper"),
    ("red", 0, "department_head"),
    ("red", 3, "people"),
    ("red", 5, "agenda"),
    ("stalled", 0, "lead_helper"),
    ("action_overdue", 0, "lead_helper"),
]


def add_default_ladder(apps, schema_editor):
    EscalationRule = apps.get_model("supervision", "EscalationRule")
    if EscalationRule.objects.filter(department__isnull=True, item__isnull=True).exists():
        return
    EscalationRule.objects.bulk_create(
        [EscalationRule(trigger=t, after_days=d, action=a) for t, d, a in DEFAULT]
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_board_rollup")]

    operations = [migrations.RunPython(add_default_ladder, migrations.RunPython.noop)]
