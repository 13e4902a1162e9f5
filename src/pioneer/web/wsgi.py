"""WSGI entry point (``gunicorn pioneer.web.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pioneer.web.settings")
application = get_wsgi_application()
