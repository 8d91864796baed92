"""Settings package: ``base`` holds everything, the other modules override a little.

Pick one with DJANGO_SETTINGS_MODULE (``manage.py`` defaults to ``local``).
"""
