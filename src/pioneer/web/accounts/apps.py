from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Roles on the programme or on sites, login throttling and the audit trail."""

    name = "pioneer.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"
