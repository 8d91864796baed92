"""What the accounts app tells the layers above it.

``account_changed`` is sent inside the transaction of every change to an account (created, role,
office, active, password, two-factor devices, backup codes). The audit trail records it
(``casetracker.audit.receivers``); a receiver that fails rolls the change back.
Arguments: ``account``, ``by`` (None on the server's command line), ``request`` (or None),
``action`` ("create" or "change") and ``detail`` (what changed, in English, as the log keeps it).
"""

from django.dispatch import Signal

account_changed = Signal()

# Sent inside the transaction of every change to a user's saved list views (created, renamed, deleted):
# ``view``, ``by``, ``request`` (or None), ``action`` ("create", "change" or "delete") and ``detail``.
saved_view_changed = Signal()
