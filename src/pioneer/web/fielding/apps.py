from django.apps import AppConfig


class FieldingConfig(AppConfig):
    """Survey waves, contacts (the only home of contact details) and invitations."""

    name = "pioneer.web.fielding"
    label = "fielding"
    verbose_name = "Survey fielding"

    def ready(self) -> None:
        # The answer tables live in their own module; importing it registers them.
        from pioneer.web.fielding import answers_store  # noqa: F401
