"""The admin page for editing the e-mail templates (programme admins only).

``pioneer.web.admin`` registers it: ``site.register(MessageTemplate, MessageTemplateAdmin)``.
A new template starts from the packaged default of its kind (``?kind=reminder`` on the add
page), and saving checks that it compiles and keeps both links (``MessageTemplate.clean``).
"""

from __future__ import annotations

from django.contrib import admin

from pioneer.web.accounts.permissions import Permission, has_permission
from pioneer.web.fielding import mail
from pioneer.web.fielding.models import MessageTemplate


def _admin(request) -> bool:
    return has_permission(request.user, Permission.ADMIN_ACCESS)


class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "subject", "updated_at")
    fields = ("kind", "subject", "text_body", "html_body")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        kind = initial.get("kind") or MessageTemplate.Kind.INVITATION
        if kind in mail.KINDS:
            packaged = mail.packaged_templates(kind)
            initial.update(
                kind=kind,
                subject=packaged.subject,
                text_body=packaged.text_body,
                html_body=packaged.html_body,
            )
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        names = ", ".join(
            f"{{{{ {name} }}}} ({meaning})" for name, meaning in mail.VARIABLES.items()
        )
        form.base_fields["text_body"].help_text = (
            "Plain text in Django's template language. Must contain {{ link }} and "
            f"{{{{ opt_out_link }}}}. Variables: {names}."
        )
        form.base_fields["html_body"].help_text = (
            "Optional HTML alternative (values are escaped); if given, it must also contain "
            "{{ link }} and {{ opt_out_link }}. Delete the template to go back to the default."
        )
        return form

    def has_module_permission(self, request):
        return _admin(request)

    def has_view_permission(self, request, obj=None):
        return _admin(request)

    def has_add_permission(self, request):
        return _admin(request)

    def has_change_permission(self, request, obj=None):
        return _admin(request)

    def has_delete_permission(self, request, obj=None):
        return _admin(request)
