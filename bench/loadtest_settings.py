"""Settings for bench/loadtest.py: the production settings, with two changes.

- No two-factor authentication: the load test's supervisors sign in with a password only.
  With production's TWO_FACTOR_REQUIRED_ROLES they would need an authenticator app; the
  one extra form per sign-in would not change what the test measures.
- Static files collected into the load test's own folder (LOADTEST_STATIC_ROOT), not the
  project's ``staticfiles/``.

Everything else is production's: DEBUG off, whitenoise's compressed manifest storage,
django-axes on, secure cookies, HTTPS as told by the proxy header (the load test sends
``X-Forwarded-Proto: https`` as nginx would), the client address from ``X-Real-IP``.
"""

import os
from pathlib import Path

from casetracker.settings.production import *  # noqa: F403

TWO_FACTOR_REQUIRED_ROLES = []
STATIC_ROOT = Path(os.environ["LOADTEST_STATIC_ROOT"])
