"""Who may do what, in one place: each role's permissions and each user's scope.

- Clerks enter and change the cases of their office (or local office), and see names.
- Supervisors read the cases of their office, or of every office; they change nothing.
- Admins manage accounts and reference data and read the audit trail; case records
  are not theirs to read. An admin of an office of education (an office, no superuser)
  manages that office's accounts and reference data only (``account_scope``).
Django's permission checks (``user.has_perm``) get the role's permissions from
``RolePermissionBackend``; querysets get the scope through ``user.case_scope``.
"""

from casetracker.core.scoping import NATIONAL, NOTHING, Scope

from .roles import Role

CASE_MODELS = (
    "incident",
    "victim",
    "offender",
    "offendervictimrelation",
    "takedownrequest",
    "protectionmeasure",
    "separation",
    "committeecase",
    "measure",
    "appeal",
)
# Committee cases, measures and appeals: created and moved by the workflow's steps (``cases.steps``),
# and deleted by nobody, so that a case's status changes only by its steps.
STEP_RECORD_MODELS = ("committeecase", "measure", "appeal")
REFERENCE_MODELS = ("office", "localoffice", "school", "committee", "channel")
# The document register: read in the admin by those who read the cases; who issues a document,
# downloads it or records its delivery is ``sees_identities_of`` (the office's clerks).
DOCUMENT_MODELS = ("document",)
VIEW_IDENTITIES = "cases.view_identities"


def _perms(app: str, models: tuple[str, ...], actions: tuple[str, ...]) -> frozenset[str]:
    return frozenset(f"{app}.{action}_{model}" for model in models for action in actions)


ALL_ACTIONS = ("add", "change", "delete", "view")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CLERK: (_perms("cases", CASE_MODELS, ALL_ACTIONS) - _perms("cases", STEP_RECORD_MODELS, ("delete",)))
    | _perms("core", REFERENCE_MODELS, ("view",))
    | _perms("documents", DOCUMENT_MODELS, ("view",))
    | {VIEW_IDENTITIES},
    Role.SUPERVISOR: _perms("cases", CASE_MODELS, ("view",))
    | _perms("core", REFERENCE_MODELS, ("view",))
    | _perms("documents", DOCUMENT_MODELS, ("view",)),
    # Accounts are deactivated, never deleted.
    Role.ADMIN: _perms("accounts", ("user",), ("add", "change", "view"))
    | _perms("core", REFERENCE_MODELS, ALL_ACTIONS)
    # Each office's letterhead, sender, contact and footer on its documents.
    | _perms("documents", ("officeletterhead",), ALL_ACTIONS)
    | _perms("audit", ("accesslog", "historicaluser"), ("view",))
    | _perms("cases", tuple(f"historical{model}" for model in CASE_MODELS), ("view",))
    | _perms("core", tuple(f"historical{model}" for model in REFERENCE_MODELS), ("view",))
    # Lockouts (deleting an attempt unlocks the account) and lost authenticators.
    | _perms("axes", ("accessattempt",), ("view", "delete"))
    | _perms("axes", ("accesslog", "accessfailurelog"), ("view",))
    | _perms("otp_totp", ("totpdevice",), ("view", "delete"))
    # Machine accounts: issued and revoked, never deleted (casetracker/api).
    | _perms("api", ("apitoken",), ("add", "change", "view")),
}


def role_permissions(user) -> frozenset[str]:
    if not user.is_active or user.is_anonymous:
        return frozenset()
    return ROLE_PERMISSIONS.get(user.role, frozenset())


def case_scope(user) -> Scope:
    """Whose cases ``user`` may see."""
    if not user.is_active or user.is_anonymous:
        return NOTHING
    if user.is_superuser:
        return NATIONAL
    if user.role == Role.CLERK and user.office_id:
        return Scope(office_id=user.office_id, local_office_id=user.local_office_id)
    if user.role == Role.SUPERVISOR:
        return Scope(office_id=user.office_id) if user.office_id else NATIONAL
    return NOTHING


def reference_scope(user) -> Scope:
    """Which schools and committees ``user`` may pick from or read.

    A clerk's are those of their own cases: a clerk of a local office picks its schools and
    committees only, so a case they file never falls outside their own view (``case_scope``).
    """
    if not user.is_active or user.is_anonymous:
        return NOTHING
    if user.role == Role.ADMIN and user.office_id and not user.is_superuser:
        return Scope(office_id=user.office_id)  # an office's admin keeps that office's schools and committees
    if user.is_superuser or user.role == Role.ADMIN:
        return NATIONAL
    if user.role == Role.CLERK and user.office_id:
        return case_scope(user)
    if user.office_id:
        return Scope(office_id=user.office_id)
    return NATIONAL if user.role == Role.SUPERVISOR else NOTHING


def account_scope(user) -> Scope:
    """Whose accounts ``user`` manages: a superuser's and a national admin's, every account; an
    office's admin, the accounts of that office (its local offices' too); nobody else's any."""
    if not user.is_active or user.is_anonymous:
        return NOTHING
    if user.is_superuser:
        return NATIONAL
    if user.role == Role.ADMIN:
        return Scope(office_id=user.office_id) if user.office_id else NATIONAL
    return NOTHING


def may_see_identities(user) -> bool:
    return user.has_perm(VIEW_IDENTITIES)


def may_view_reports(user) -> bool:
    """Reports count case data: clerks (their office) and supervisors (their scope) read them."""
    return user.is_active and (user.is_superuser or user.role in (Role.CLERK, Role.SUPERVISOR))


def may_publish_releases(user) -> bool:
    """Releases of the figures are national: only a supervisor of national scope publishes one, and
    only they see its regeneration check (which names cases of every office)."""
    # (``pk``: an account; an API token reads like a supervisor but is not one.)
    return bool(
        user.is_active
        and user.is_authenticated
        and user.pk is not None
        and user.role == Role.SUPERVISOR
        and not user.office_id
    )


def may_view_releases(user) -> bool:
    """A release's page (its figures as published, the diff, the files): supervisors of any scope."""
    return bool(user.is_active and user.is_authenticated and (user.is_superuser or user.role == Role.SUPERVISOR))


def may_import_cases(user) -> bool:
    """Clerks bring in their own office's spreadsheets; nobody else imports."""
    return bool(user.is_active and user.is_authenticated and user.role == Role.CLERK and user.office_id)


def may_export_cases(user) -> bool:
    """Case lists (without names) go to those who read the cases: clerks and supervisors, in their scope."""
    return may_view_reports(user)


def may_scrub_identifiers(user) -> bool:
    """Admins keep the trails, so they clean them: a scrub shows counts, never a case's text or names."""
    return bool(user.is_active and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


# What each role sees of a case, field by field (issue 17, item 2) -----------------------------
# A narrative (free text a clerk writes) may name the case's people however well it is checked on
# saving (a row written around the application, an old version): whoever does not need to know
# reads it only in its protected form, every identifier found replaced by the person's code or a
# neutral token (``cases.visibility``). A name field is not shown to them at all.


class Access:
    FULL = "full"  # as stored
    PROTECTED = "protected"  # the text with every identifier found replaced
    HIDDEN = "hidden"  # not shown


NARRATIVE = "narrative"
NAME = "name"
# Every field of a case that holds a narrative or a name, by kind ("app_label.model.field").
CASE_FIELDS: dict[str, str] = {
    "cases.incident.content_description": NARRATIVE,
    "cases.committeecase.extension_reason": NARRATIVE,
    "cases.protectionmeasure.notes": NARRATIVE,
    "cases.victim.name": NAME,
    "cases.offender.name": NAME,
}
OWN_OFFICE_CLERK = "own_office_clerk"
# {kind of field: {who: what they see}}; anyone not named sees nothing of it.
FIELD_ACCESS: dict[str, dict[str, str]] = {
    NARRATIVE: {OWN_OFFICE_CLERK: Access.FULL, Role.CLERK: Access.PROTECTED, Role.SUPERVISOR: Access.PROTECTED},
    NAME: {OWN_OFFICE_CLERK: Access.FULL},
}


def _who(user, office_id: int | None) -> str | None:
    if not user.is_active or user.is_anonymous:
        return None
    if user.is_superuser:
        # Made on the server only (``createsuperuser``), with the database in hand: no role of
        # the application's, and the one other account that may change a case, so it reads
        # what it would save.
        return OWN_OFFICE_CLERK
    if user.role == Role.CLERK and user.office_id and user.office_id == office_id:
        return OWN_OFFICE_CLERK  # (a local office's clerk: within the office, and only its own cases reach them)
    return user.role


def field_access(user, field: str, *, office_id: int | None) -> str:
    """What ``user`` sees of ``field`` ("cases.incident.content_description") of a case of ``office_id``.

    Fields not in ``CASE_FIELDS`` (dates, choices, codes) are not this table's: FULL, within the
    user's scope, which the selectors keep.
    """
    kind = CASE_FIELDS.get(field)
    if kind is None:
        return Access.FULL
    return FIELD_ACCESS[kind].get(_who(user, office_id), Access.HIDDEN)


def sees_identities_of(user, office_id: int | None) -> bool:
    """Whether ``user`` reads the names and the narratives as stored, on a case of ``office_id``."""
    return _who(user, office_id) == OWN_OFFICE_CLERK
