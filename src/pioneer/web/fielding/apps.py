from django.apps import AppConfig


class FieldingConfig(AppConfig):
    """Survey waves, contacts (the only home of contact details) and invitations."""

    name = "pioneer.web.fielding"
    label = "fielding"
    verbose_name = "Survey fielding"
