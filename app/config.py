"""One typed, frozen settings object, read from the environment.

Every knob of the application lives here so that tests build an app from a
`Settings` value instead of patching globals.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.crypto.kdf import Argon2Params
from app.crypto.receipts import receipt_kdf_params

ENVIRONMENTS = ("development", "testing", "production")
# Where attachment ciphertext is kept (app/storage/): a directory on this host
# (storage_dir), or the database, shared by every instance that uses it.
FILE_STORES = ("local", "database")
DEFAULT_SECRET_MARKERS = ("", "dev", "change-me", "changeme", "secret")
DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_ORGANISATION_NAME = "Ministerie van Voorbeeldzaken"
DEFAULT_LOGO = "logo-placeholder.svg"
# The house style's colours (the Rijkshuisstijl's lint blue and dark blue).
DEFAULT_COLOUR_PRIMARY = "#154273"
DEFAULT_COLOUR_LINK = "#01689b"


class ConfigError(RuntimeError):
    """The configuration can not be used; the message says what to fix."""


@dataclass(frozen=True)
class PasswordHashParams:
    """Argon2id cost for the password verifier (argon2-cffi PasswordHasher)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


# What the reporter's pages tell about places to go and about the
# organisation (the decision aid, the "need help now?" line, the privacy and
# accessibility statements). Each contact is a few lines of plain text; in
# the environment a "|" separates the lines. The organisation's own entries
# default to the demo's made-up ones: replace them before going live.
DEMO_ADDRESS = "Postbus 12345, 1234 AB Voorbeeldstad"
ACCESSIBILITY_STATUSES = ("A", "B", "C", "D", "E")


def contact_lines(value: str) -> tuple[str, ...]:
    """"Postbus 1 | 070 123" -> ("Postbus 1", "070 123"): empty lines dropped."""
    return tuple(part.strip() for part in value.split("|") if part.strip())


@dataclass(frozen=True)
class OrganisationDetails:
    """Contacts and statement details, per organisation (README, "Places to
    go, privacy and accessibility statements")."""

    complaints_committee: tuple[str, ...] = (
        DEMO_ADDRESS, "klachtencommissie@voorbeeldzaken.example")
    central_counsellor: tuple[str, ...] = (
        "centrale.vertrouwenspersoon@voorbeeldzaken.example",)
    integrity_committee: tuple[str, ...] = (
        DEMO_ADDRESS, "integriteitscommissie@voorbeeldzaken.example")
    whistleblowers_house: tuple[str, ...] = (
        "Postbus 85860, 2508 CJ Den Haag", "088 – 133 10 00", "huisvoorklokkenluiders.nl")
    crisis_line: tuple[str, ...] = ("113", "0800-0113", "113.nl")
    emergency_number: str = "112"
    # The privacy statement: who is responsible, and their data protection
    # officer (functionaris gegevensbescherming).
    controller: tuple[str, ...] = ("De minister van Voorbeeldzaken", DEMO_ADDRESS)
    data_protection_officer: tuple[str, ...] = (
        DEMO_ADDRESS, "fg@voorbeeldzaken.example")
    # The accessibility statement (model of digitoegankelijk.nl): status A
    # (complies fully) to E (no insight), the date of the statement, an
    # independent evaluation if there was one, a contact that needs no name.
    accessibility_status: str = "B"
    accessibility_date: str = "2026-12-01"
    accessibility_audit: str = ""
    accessibility_contact: tuple[str, ...] = (
        DEMO_ADDRESS, "toegankelijkheid@voorbeeldzaken.example")
    accessibility_response_days: int = 5

    def __post_init__(self) -> None:
        if self.accessibility_status not in ACCESSIBILITY_STATUSES:
            raise ConfigError("MELDPUNT_ACCESSIBILITY_STATUS must be one of A, B, C, D, E"
                              f" (the model statement's status), got {self.accessibility_status!r}")
        try:
            date.fromisoformat(self.accessibility_date)
        except ValueError as exc:
            raise ConfigError("MELDPUNT_ACCESSIBILITY_DATE must be a date such as 2026-12-01,"
                              f" got {self.accessibility_date!r}") from exc

    @property
    def statement_date(self) -> date:
        return date.fromisoformat(self.accessibility_date)

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str]) -> OrganisationDetails:
        defaults = cls()
        changes: dict[str, Any] = {}
        for name, variable in ORGANISATION_VARIABLES.items():
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            default = getattr(defaults, name)
            if isinstance(default, tuple):
                changes[name] = contact_lines(raw)
            elif isinstance(default, int):
                changes[name] = _int(env, variable, default)
            else:
                changes[name] = raw
        return replace(defaults, **changes)


ORGANISATION_VARIABLES = {
    "complaints_committee": "MELDPUNT_CONTACT_COMPLAINTS_COMMITTEE",
    "central_counsellor": "MELDPUNT_CONTACT_CENTRAL_COUNSELLOR",
    "integrity_committee": "MELDPUNT_CONTACT_INTEGRITY_COMMITTEE",
    "whistleblowers_house": "MELDPUNT_CONTACT_WHISTLEBLOWERS_HOUSE",
    "crisis_line": "MELDPUNT_CONTACT_CRISIS_LINE",
    "emergency_number": "MELDPUNT_EMERGENCY_NUMBER",
    "controller": "MELDPUNT_PRIVACY_CONTROLLER",
    "data_protection_officer": "MELDPUNT_PRIVACY_DPO",
    "accessibility_status": "MELDPUNT_ACCESSIBILITY_STATUS",
    "accessibility_date": "MELDPUNT_ACCESSIBILITY_DATE",
    "accessibility_audit": "MELDPUNT_ACCESSIBILITY_AUDIT",
    "accessibility_contact": "MELDPUNT_CONTACT_ACCESSIBILITY",
    "accessibility_response_days": "MELDPUNT_ACCESSIBILITY_RESPONSE_DAYS",
}


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    debug: bool = False
    secret_key: str = ""
    database_url: str = ""
    instance_dir: Path = Path("instance")
    keys_dir: Path = Path("keys")
    storage_dir: Path = Path("instance/storage")
    # "local" (storage_dir) or "database" (FILE_STORES; app/storage/).
    file_store: str = "local"
    # Argon2id for password verifiers, for the key that protects a staff
    # private key (RFC 9106), and for receipt codes (sized to the code's 99
    # bits: app/crypto/receipts.py). Production never lowers these; tests
    # do, through these settings.
    password_hash: PasswordHashParams = field(default_factory=PasswordHashParams)
    key_derivation: Argon2Params = field(default_factory=Argon2Params)
    receipt_derivation: Argon2Params = field(default_factory=receipt_kdf_params)
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    sign_in_step_minutes: int = 10
    # Wrong passwords (anyone can send them) only slow an account down: after
    # login_slowdown_after of them a wait of 15 s that doubles, at most
    # login_max_wait_seconds. Wrong second-factor codes (only after the right
    # password) lock it for login_lock_minutes after login_lock_after.
    login_slowdown_after: int = 3
    login_max_wait_seconds: int = 60
    login_lock_after: int = 5
    login_lock_minutes: int = 15
    max_upload_mb: int = 20
    # Pictures are decoded to be cleaned (app/cases/uploads.py): at most this
    # many megapixels per picture (a larger JPEG is decoded at 1/2, 1/4 or 1/8
    # scale, a larger PNG is refused), at most this many per request, and at
    # most this many pictures at the same time in one worker process.
    image_max_megapixels: int = 16
    image_request_megapixels: int = 128
    image_workers: int = 1
    acknowledge_days: int = 7
    feedback_months: int = 3
    # Disclosure control: published counts below this are suppressed.
    stats_threshold: int = 5
    default_locale: str = "nl"
    base_url: str = "http://127.0.0.1:5000"
    # The organisation's time zone (an IANA name): deadlines are days on its
    # calendar, every date and time is shown in it, a statistics year is a
    # calendar year in it (app/localtime.py).
    timezone: str = DEFAULT_TIMEZONE
    # The header's logo band (Rijkshuisstijl): the ministry's name in Dutch,
    # optionally in English for the English pages (without it the Dutch name
    # is shown there, marked as Dutch), and the logo: a file in app/static/.
    # The demo's is a neutral placeholder; the Rijkslogo is not freely
    # licensed, the ministry adds its own copy.
    organisation_name: str = DEFAULT_ORGANISATION_NAME
    organisation_name_en: str = ""
    logo: str = DEFAULT_LOGO
    # The house style's colours (MELDPUNT_COLOUR_*, hex): primary for the
    # header bar, the footer, the buttons and the headings, with white text
    # on it; link for the links on the white page. Each must reach 4.5:1
    # against what is drawn with it (check_colours); served as CSS custom
    # properties by app/web/theme.py.
    colour_primary: str = DEFAULT_COLOUR_PRIMARY
    colour_link: str = DEFAULT_COLOUR_LINK
    organisation: OrganisationDetails = field(default_factory=OrganisationDetails)
    # Admission control for Argon2id (app/crypto/kdf.py KdfGate): per worker
    # process at most kdf_max_concurrent runs at a time, and only as many as
    # kdf_memory_budget_mib holds (64 MiB each for a staff password, less for
    # a receipt code); a run that can not start within kdf_wait_seconds gets
    # a calm 503 page that keeps what was typed. Requests without Argon2id
    # never wait for it.
    kdf_max_concurrent: int = 2
    kdf_memory_budget_mib: int = 256
    kdf_wait_seconds: float = 15.0
    # The erasure ratchet (app/cases/seals.py): a live case's wraps are
    # sealed to a day at most this many days ahead and re-sealed by the
    # daily sweep; a shredded case's old copies open with no key after it.
    ratchet_lease_days: int = 30

    def __post_init__(self) -> None:
        check_timezone(self.timezone)
        if self.file_store not in FILE_STORES:
            raise ConfigError(f"MELDPUNT_FILE_STORE must be one of {', '.join(FILE_STORES)},"
                              f" got {self.file_store!r}")
        check_colours(self)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def max_content_length(self) -> int:
        # Room for the form fields around the attachments.
        return self.max_upload_mb * 1024 * 1024 + 1024 * 1024

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        app_env = env.get("MELDPUNT_ENV", "development")
        if app_env not in ENVIRONMENTS:
            raise ConfigError(f"MELDPUNT_ENV must be one of {', '.join(ENVIRONMENTS)}")
        instance_dir = Path(env.get("MELDPUNT_INSTANCE_DIR", "instance")).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'meldpunt.db'}"
        return cls(
            env=app_env,
            debug=_bool(env.get("MELDPUNT_DEBUG", "0")),
            secret_key=env.get("MELDPUNT_SECRET_KEY", ""),
            database_url=_normalise_database_url(database_url),
            instance_dir=instance_dir,
            keys_dir=Path(env.get("MELDPUNT_KEYS_DIR", "keys")).resolve(),
            storage_dir=Path(
                env.get("MELDPUNT_STORAGE_DIR", str(instance_dir / "storage"))
            ).resolve(),
            file_store=env.get("MELDPUNT_FILE_STORE", "").strip().lower() or "local",
            password_hash=PasswordHashParams(
                time_cost=_int(env, "MELDPUNT_ARGON2_TIME_COST", 3),
                memory_kib=_int(env, "MELDPUNT_ARGON2_MEMORY_KIB", 65536),
                parallelism=_int(env, "MELDPUNT_ARGON2_PARALLELISM", 4),
            ),
            key_derivation=Argon2Params(
                time_cost=_int(env, "MELDPUNT_ARGON2_TIME_COST", 3),
                memory_kib=_int(env, "MELDPUNT_ARGON2_MEMORY_KIB", 65536),
                parallelism=_int(env, "MELDPUNT_ARGON2_PARALLELISM", 4),
            ),
            receipt_derivation=_receipt_derivation(env),
            session_idle_minutes=_int(env, "MELDPUNT_SESSION_IDLE_MINUTES", 30),
            session_absolute_hours=_int(env, "MELDPUNT_SESSION_ABSOLUTE_HOURS", 10),
            login_slowdown_after=_int(env, "MELDPUNT_LOGIN_SLOWDOWN_AFTER", 3),
            login_max_wait_seconds=_int(env, "MELDPUNT_LOGIN_MAX_WAIT_SECONDS", 60),
            login_lock_after=_int(env, "MELDPUNT_LOGIN_LOCK_AFTER", 5),
            login_lock_minutes=_int(env, "MELDPUNT_LOGIN_LOCK_MINUTES", 15),
            max_upload_mb=_int(env, "MELDPUNT_MAX_UPLOAD_MB", 20),
            image_max_megapixels=_int(env, "MELDPUNT_IMAGE_MAX_MEGAPIXELS", 16),
            image_request_megapixels=_int(env, "MELDPUNT_IMAGE_REQUEST_MEGAPIXELS", 128),
            image_workers=_int(env, "MELDPUNT_IMAGE_WORKERS", 1),
            acknowledge_days=_int(env, "MELDPUNT_ACKNOWLEDGE_DAYS", 7),
            feedback_months=_int(env, "MELDPUNT_FEEDBACK_MONTHS", 3),
            stats_threshold=_int(env, "MELDPUNT_STATS_THRESHOLD", 5),
            default_locale=env.get("MELDPUNT_DEFAULT_LOCALE", "nl"),
            base_url=env.get("MELDPUNT_BASE_URL", "http://127.0.0.1:5000"),
            timezone=env.get("MELDPUNT_TIMEZONE", "") or DEFAULT_TIMEZONE,
            organisation_name=env.get("MELDPUNT_ORGANISATION_NAME", "")
            or DEFAULT_ORGANISATION_NAME,
            organisation_name_en=env.get("MELDPUNT_ORGANISATION_NAME_EN", ""),
            logo=env.get("MELDPUNT_LOGO", "") or DEFAULT_LOGO,
            colour_primary=env.get("MELDPUNT_COLOUR_PRIMARY", "").strip()
            or DEFAULT_COLOUR_PRIMARY,
            colour_link=env.get("MELDPUNT_COLOUR_LINK", "").strip() or DEFAULT_COLOUR_LINK,
            organisation=OrganisationDetails.from_env(env),
            kdf_max_concurrent=_int(env, "MELDPUNT_KDF_MAX_CONCURRENT", 2),
            kdf_memory_budget_mib=_int(env, "MELDPUNT_KDF_MEMORY_BUDGET_MIB", 256),
            kdf_wait_seconds=float(_int(env, "MELDPUNT_KDF_WAIT_SECONDS", 15)),
            ratchet_lease_days=max(2, _int(env, "MELDPUNT_RATCHET_LEASE_DAYS", 30)),
        )


def check_timezone(name: str) -> None:
    """Refuse a time zone the zone database does not know, with what to set."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: a folder of the zone database ("Europe") read from the
        # tzdata package raises IsADirectoryError, not ZoneInfoNotFoundError.
        raise ConfigError(
            f"MELDPUNT_TIMEZONE must be a time zone name of the IANA database such as"
            f" {DEFAULT_TIMEZONE!r} or 'America/Curacao', got {name!r}"
        ) from exc


# Each colour setting: its variable, what is drawn with it, and its default.
COLOUR_SETTINGS = (
    ("colour_primary", "MELDPUNT_COLOUR_PRIMARY", "the white text on it", DEFAULT_COLOUR_PRIMARY),
    ("colour_link", "MELDPUNT_COLOUR_LINK", "the white page it is on", DEFAULT_COLOUR_LINK),
)
MIN_TEXT_CONTRAST = 4.5   # WCAG 2.1 SC 1.4.3, normal text
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio of two colours written #rrggbb."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def check_colours(settings: Settings) -> None:
    """Refuse a colour that is not #rrggbb, or that is too light for the
    white drawn with it, saying what to set."""
    for attribute, variable, against, default in COLOUR_SETTINGS:
        value = getattr(settings, attribute)
        if not _HEX.fullmatch(value):
            raise ConfigError(f"{variable} must be a colour written as # and six hex digits,"
                              f" such as {default!r}, got {value!r}")
        ratio = contrast_ratio(value, "#ffffff")
        if ratio < MIN_TEXT_CONTRAST:
            raise ConfigError(
                f"{variable}={value} is too light: against {against} it reaches"
                f" {ratio:.2f}:1, WCAG 2.1 AA asks at least {MIN_TEXT_CONTRAST}:1. Set a darker"
                f" colour (the default is {default}).")


def check_production_ready(settings: Settings, missing_keys: list[str]) -> None:
    """Refuse to run a production instance that is not safe to run."""
    problems: list[str] = []
    if settings.debug:
        problems.append("MELDPUNT_DEBUG is on: switch it off (MELDPUNT_DEBUG=0).")
    if settings.secret_key.strip().lower() in DEFAULT_SECRET_MARKERS or len(
        settings.secret_key
    ) < 32:
        problems.append(
            "MELDPUNT_SECRET_KEY is missing or a default: set at least 32 random characters,"
            " e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL points at SQLite: use PostgreSQL in production.")
    if settings.password_hash.memory_kib < 65536 or settings.key_derivation.memory_kib < 65536:
        problems.append("Argon2id memory cost is below 64 MiB: remove MELDPUNT_ARGON2_* overrides.")
    if settings.receipt_derivation.memory_kib < receipt_kdf_params().memory_kib:
        problems.append("The receipt code's Argon2id memory cost is below OWASP's minimum"
                        " (19 MiB): remove MELDPUNT_ARGON2_* and MELDPUNT_RECEIPT_ARGON2_*"
                        " overrides.")
    for name in missing_keys:
        problems.append(f"Key material missing: {name} (run 'meldpunt init').")
    if problems:
        raise ConfigError("Meldpunt refuses to start in production:\n- " + "\n- ".join(problems))


def _receipt_derivation(env: os._Environ[str] | dict[str, str]) -> Argon2Params:
    """The receipt cost: MELDPUNT_RECEIPT_ARGON2_*, else the production cost,
    lowered (never raised) by a test's MELDPUNT_ARGON2_* override."""
    base = receipt_kdf_params()

    def value(name: str, default: int) -> int:
        general = _int(env, f"MELDPUNT_ARGON2_{name}", default)
        return _int(env, f"MELDPUNT_RECEIPT_ARGON2_{name}", min(default, general))

    return Argon2Params(time_cost=value("TIME_COST", base.time_cost),
                        memory_kib=value("MEMORY_KIB", base.memory_kib),
                        parallelism=value("PARALLELISM", base.parallelism))


def _normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver we ship; accept the common spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
