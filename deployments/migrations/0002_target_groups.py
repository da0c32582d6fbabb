from django.db import migrations

TARGET_GROUPS = [
    ("children", "Kinder"),
    ("youth", "Jugendliche"),
    ("families", "Familien"),
    ("seniors", "Ältere Menschen"),
    ("migrants", "Zugewanderte und Neuangekommene"),
    ("disabilities", "Menschen mit Behinderung"),
    ("initiatives", "Lokale Initiativen"),
    ("businesses", "Lokales Gewerbe"),
    ("neighbours", "Nachbarschaft allgemein"),
]


def create_target_groups(apps, schema_editor):
    TargetGroup = apps.get_model("deployments", "TargetGroup")
    for code, name in TARGET_GROUPS:
        TargetGroup.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("deployments", "0001_initial")]

    operations = [migrations.RunPython(create_target_groups, migrations.RunPython.noop)]
