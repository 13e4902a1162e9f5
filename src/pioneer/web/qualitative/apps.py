from django.apps import AppConfig


class QualitativeConfig(AppConfig):
    """Interview transcripts (identifiable, like contact details), codes and coded segments."""

    name = "pioneer.web.qualitative"
    label = "qualitative"
    verbose_name = "Qualitative evidence"
