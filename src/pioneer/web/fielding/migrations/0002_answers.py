# ruff: noqa: RUF012
# Written for pioneer.web.fielding.answers_store (the models live there, registered by
# FieldingConfig.ready).

import django.db.models.deletion
from django.db import migrations, models

import pioneer.web.fielding.answers_store


class Migration(migrations.Migration):
    dependencies = [
        ("fielding", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="QuestionnaireResponse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "respondent_id",
                    models.CharField(
                        default=pioneer.web.fielding.answers_store.new_respondent_id,
                        max_length=32,
                        unique=True,
                    ),
                ),
                (
                    "resume_page",
                    models.CharField(
                        blank=True,
                        help_text="page code to continue on; blank: the first page",
                        max_length=64,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "invitation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questionnaire",
                        to="fielding.invitation",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Answer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("item", models.CharField(max_length=200)),
                ("value", models.TextField()),
                ("saved_at", models.DateTimeField(auto_now=True)),
                (
                    "invitation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="fielding.invitation",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("invitation", "item"), name="answer_once_per_item"
                    )
                ],
            },
        ),
    ]
