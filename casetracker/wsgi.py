"""WSGI entry point (gunicorn casetracker.wsgi). Production sets DJANGO_SETTINGS_MODULE."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings.production")

application = get_wsgi_application()
