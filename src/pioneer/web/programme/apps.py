from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """Sites and organisations of the programme, loaded from the registry."""

    name = "pioneer.web.programme"
    label = "programme"
    verbose_name = "Programme"
