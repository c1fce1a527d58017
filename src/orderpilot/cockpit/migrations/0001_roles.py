"""Create the cockpit's roles as groups: ``operator`` and ``admin``.

The admin group also gets the Django admin permissions for the settings it owns (channels,
shippers, hold rules, products, system settings, users and groups); a member still needs
``is_staff`` to enter the Django admin, which the cockpit's role form sets.
"""

from django.db import migrations

ADMIN_MODELS = [
    ("channels", "channel"),
    ("shipping", "shipper"),
    ("orders", "holdrule"),
    ("catalog", "product"),
    ("core", "systemsetting"),
    ("auth", "user"),
    ("auth", "group"),
]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group_model.objects.get_or_create(name="operator")
    admin, _ = group_model.objects.get_or_create(name="admin")
    for app_label, model in ADMIN_MODELS:
        admin.permissions.add(
            *permission_model.objects.filter(content_type__app_label=app_label, content_type__model=model)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["operator", "admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("channels", "0001_initial"),
        ("shipping", "0001_initial"),
        ("orders", "0001_initial"),
        ("catalog", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
