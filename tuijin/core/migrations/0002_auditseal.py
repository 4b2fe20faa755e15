import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The chain seal points at auditlog's entries, whose app points at our user model."""

    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUDITLOG_LOGENTRY_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField(unique=True, verbose_name='序号')),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='seal', to=settings.AUDITLOG_LOGENTRY_MODEL)),
            ],
            options={
                'verbose_name': '审计链',
                'verbose_name_plural': '审计链',
                'ordering': ['seq'],
            },
        ),
    ]
