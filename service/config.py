"""Every setting, declared once and read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from email.utils import parseaddr
from pathlib import Path

from .domain import locales
from .domain.enums import Group

_PACKAGE = Path(__file__).resolve().parent
PREFIX = "INCIDENT_DESK_"
# How mail reaches the SMTP server: in clear, upgraded with STARTTLS, or over TLS.
SMTP_SECURITY = ("none", "starttls", "ssl")
# What a new e-mail from an unknown address becomes: a new reporter, or a polite no.
MAIL_UNKNOWN_SENDERS = ("create", "refuse")
# The same three ways to reach the IMAP server mail is read from.
IMAP_SECURITY = SMTP_SECURITY
LOG_FORMATS = ("text", "json")


def _bundled(name: str) -> Path:
    """A folder shipped inside the wheel, or the repository's own when run from a checkout."""
    inside_wheel = _PACKAGE / "_bundled" / name
    return inside_wheel if inside_wheel.is_dir() else _PACKAGE.parent / name


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default="sqlite:///incident-desk.sqlite3",
        metadata={
            "env": "DATABASE_URL",
            "help": "SQLAlchemy URL; PostgreSQL as postgresql+psycopg://...",
        },
    )
    processes_dir: Path = field(
        default_factory=lambda: _bundled("processes"),
        metadata={
            "env": "PROCESSES",
            "help": "folder of .bpmn and .dmn files deployed at start-up",
        },
    )
    forms_dir: Path = field(
        default_factory=lambda: _bundled("forms"),
        metadata={"env": "FORMS", "help": "folder of JSON Schema task forms"},
    )
    max_body_bytes: int = field(
        default=1024 * 1024,
        metadata={"env": "MAX_BODY_BYTES", "help": "largest request body accepted (413 above it)"},
    )
    modeler_check: bool = field(
        default=True,
        metadata={
            "env": "MODELER_CHECK",
            "help": "lint deployed BPMN with bpmnlint and bpmn-moddle (needs Node; warnings only)",
        },
    )
    attachments_dir: str = field(
        default="",
        metadata={
            "env": "ATTACHMENTS_DIR",
            "help": "folder for attachment files; empty keeps them in the database",
        },
    )
    max_attachment_bytes: int = field(
        default=10 * 1024 * 1024,
        metadata={"env": "MAX_ATTACHMENT_BYTES", "help": "largest attachment accepted"},
    )
    attachment_types: str = field(
        default=(
            "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
            "application/json,application/zip,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
            "application/vnd.openxmlformats-officedocument.presentationml.presentation,"
            "application/vnd.oasis.opendocument.text,"
            "application/vnd.oasis.opendocument.spreadsheet"
        ),
        metadata={
            "env": "ATTACHMENT_TYPES",
            "help": "content types accepted, as found in the bytes (comma-separated)",
        },
    )
    public_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={
            "env": "PUBLIC_URL",
            "help": "the service's address, for links in e-mails (https: secure cookies)",
        },
    )
    notification_rules: Path = field(
        default_factory=lambda: _PACKAGE / "notify" / "rules.json",
        metadata={"env": "NOTIFICATION_RULES", "help": "who is told what (a JSON file)"},
    )
    smtp_host: str = field(
        default="",
        metadata={"env": "SMTP_HOST", "help": "mail server; no e-mail is sent when empty"},
    )
    smtp_port: int = field(default=25, metadata={"env": "SMTP_PORT", "help": "mail server port"})
    smtp_security: str = field(
        default="none",
        metadata={"env": "SMTP_SECURITY", "help": "none, starttls or ssl"},
    )
    smtp_username: str = field(
        default="", metadata={"env": "SMTP_USERNAME", "help": "SMTP login, if the server needs one"}
    )
    smtp_password: str = field(
        default="",
        repr=False,
        metadata={"env": "SMTP_PASSWORD", "help": "SMTP password (never logged)"},
    )
    smtp_ca_file: str = field(
        default="",
        metadata={
            "env": "SMTP_CA_FILE",
            "help": "CA certificates (PEM) to trust for the mail server; empty: the system's",
        },
    )
    mail_from: str = field(
        default="Incident Desk <incident-desk@localhost>",
        metadata={"env": "MAIL_FROM", "help": "sender of notification e-mails"},
    )
    mail_reply_to: str = field(
        default="",
        metadata={
            "env": "MAIL_REPLY_TO",
            "help": "Reply-To of every e-mail: the desk's inbound address, so replies come "
            "back to the desk; empty: the sender (mail_from)",
        },
    )
    imap_host: str = field(
        default="",
        metadata={
            "env": "IMAP_HOST",
            "help": "IMAP server to read incoming mail from; no mail is read when empty",
        },
    )
    imap_port: int = field(default=993, metadata={"env": "IMAP_PORT", "help": "IMAP server port"})
    imap_security: str = field(
        default="ssl",
        metadata={"env": "IMAP_SECURITY", "help": "ssl, starttls or none"},
    )
    imap_username: str = field(
        default="", metadata={"env": "IMAP_USERNAME", "help": "IMAP login of the desk's mailbox"}
    )
    imap_password: str = field(
        default="",
        repr=False,
        metadata={"env": "IMAP_PASSWORD", "help": "IMAP password (never logged)"},
    )
    imap_folder: str = field(
        default="INBOX",
        metadata={"env": "IMAP_FOLDER", "help": "folder whose messages are taken in"},
    )
    imap_taken_folder: str = field(
        default="Taken",
        metadata={
            "env": "IMAP_TAKEN_FOLDER",
            "help": "folder a message is moved to once taken (created when missing)",
        },
    )
    imap_refused_folder: str = field(
        default="Refused",
        metadata={
            "env": "IMAP_REFUSED_FOLDER",
            "help": "folder a message that can never be taken is moved to (created when missing)",
        },
    )
    imap_ca_file: str = field(
        default="",
        metadata={
            "env": "IMAP_CA_FILE",
            "help": "CA certificates (PEM) to trust for the IMAP server; empty: the system's",
        },
    )
    imap_poll_seconds: int = field(
        default=60,
        metadata={
            "env": "IMAP_POLL_SECONDS",
            "help": "how often to look for new mail on a server without IDLE",
        },
    )
    delivery_max_attempts: int = field(
        default=8,
        metadata={
            "env": "DELIVERY_MAX_ATTEMPTS",
            "help": "tries before an e-mail or webhook call is dead (an admin can retry it)",
        },
    )
    webhook_timeout: int = field(
        default=10,
        metadata={"env": "WEBHOOK_TIMEOUT", "help": "seconds to wait for a webhook receiver"},
    )
    webhook_allowed_hosts: str = field(
        default="",
        metadata={
            "env": "WEBHOOK_ALLOWED_HOSTS",
            "help": "hosts (names or addresses, comma-separated) webhooks may call although "
            "they are loopback, private or link-local; empty: public addresses only",
        },
    )
    alerts_propose_resolution: bool = field(
        default=False,
        metadata={
            "env": "ALERTS_PROPOSE_RESOLUTION",
            "help": "when a monitoring alert clears, tell the incident's tier group that it "
            "may be resolved (never resolves it)",
        },
    )
    retention_days: int = field(
        default=0,
        metadata={
            "env": "RETENTION_DAYS",
            "help": "days after its closure an incident's personal data is pseudonymised by "
            "the worker (0 or empty: kept)",
        },
    )
    survey_valid_days: int = field(
        default=14,
        metadata={
            "env": "SURVEY_VALID_DAYS",
            "help": "days the links of a satisfaction survey stay valid, unless the process "
            "gives its own expires_after",
        },
    )
    sandbox_cpu_seconds: float = field(
        default=2.0,
        metadata={
            "env": "SANDBOX_CPU_SECONDS",
            "help": "CPU time one engine run of a process (or one decision) may use; "
            "the step fails as a process error past it",
        },
    )
    sandbox_memory_mb: int = field(
        default=256,
        metadata={
            "env": "SANDBOX_MEMORY_MB",
            "help": "memory one engine run (or one decision) may use beyond the sandbox's own",
        },
    )
    sandbox_data_kb: int = field(
        default=1024,
        metadata={
            "env": "SANDBOX_DATA_KB",
            "help": "largest task data (as JSON) a script may leave behind",
        },
    )
    sandbox_processes: int = field(
        default=4,
        metadata={
            "env": "SANDBOX_PROCESSES",
            "help": "sandbox processes per service process, the runs it can do at once",
        },
    )
    sandbox_seccomp: bool = field(
        default=True,
        metadata={
            "env": "SANDBOX_SECCOMP",
            "help": "filter the sandbox's system calls with seccomp (Linux with libseccomp)",
        },
    )
    proxy_hops: int = field(
        default=0,
        metadata={
            "env": "PROXY_HOPS",
            "help": "reverse proxies in front that set X-Forwarded-For/-Proto/-Host (trusted "
            "for the client's address, which sign-in throttling counts by)",
        },
    )
    default_language: str = field(
        default="en",
        metadata={
            "env": "DEFAULT_LANGUAGE",
            "help": "language of pages and mails for users who chose none (en, el)",
        },
    )
    default_timezone: str = field(
        default="UTC",
        metadata={
            "env": "DEFAULT_TIMEZONE",
            "help": "IANA time zone pages and mails show times in for users who chose none",
        },
    )
    mail_unknown_senders: str = field(
        default="create",
        metadata={
            "env": "MAIL_UNKNOWN_SENDERS",
            "help": "a new e-mail from an address no user has: create (a reporter for it) "
            "or refuse (with one polite reply a day)",
        },
    )
    mail_sender_limit: int = field(
        default=30,
        metadata={
            "env": "MAIL_SENDER_LIMIT",
            "help": "e-mails taken from one address per hour; past it they are kept, not acted on",
        },
    )
    mail_max_bytes: int = field(
        default=40 * 1024 * 1024,
        metadata={
            "env": "MAIL_MAX_BYTES",
            "help": "largest e-mail taken in (bytes, attachments included)",
        },
    )
    oidc_issuer: str = field(
        default="",
        metadata={
            "env": "OIDC_ISSUER",
            "help": "OpenID provider for single sign-on on the pages (https://...); "
            "empty: no single sign-on",
        },
    )
    oidc_name: str = field(
        default="single sign-on",
        metadata={
            "env": "OIDC_NAME",
            "help": "what the sign-in page calls the provider: Sign in with <name>",
        },
    )
    oidc_client_id: str = field(
        default="", metadata={"env": "OIDC_CLIENT_ID", "help": "the desk's client id there"}
    )
    oidc_client_secret: str = field(
        default="",
        repr=False,
        metadata={"env": "OIDC_CLIENT_SECRET", "help": "the desk's client secret (never logged)"},
    )
    oidc_scopes: str = field(
        default="openid email profile",
        metadata={"env": "OIDC_SCOPES", "help": "scopes asked for (openid is always among them)"},
    )
    oidc_groups_claim: str = field(
        default="groups",
        metadata={
            "env": "OIDC_GROUPS_CLAIM",
            "help": "claim (ID token or userinfo) listing the user's groups at the provider",
        },
    )
    oidc_group_map: str = field(
        default="",
        metadata={
            "env": "OIDC_GROUP_MAP",
            "help": "provider group=desk group, comma-separated (it-l1=L1,desk-admins=admin); "
            "values not mapped are ignored",
        },
    )
    oidc_username_claim: str = field(
        default="preferred_username",
        metadata={
            "env": "OIDC_USERNAME_CLAIM",
            "help": "claim a new user's name is taken from (the e-mail when it is missing)",
        },
    )
    oidc_ca_file: str = field(
        default="",
        metadata={
            "env": "OIDC_CA_FILE",
            "help": "CA certificates (PEM) to trust for the provider; empty: the system's",
        },
    )
    local_passwords: bool = field(
        default=True,
        metadata={
            "env": "LOCAL_PASSWORDS",
            "help": "whether people may also sign in to the pages with a password kept here",
        },
    )
    log_level: str = field(
        default="INFO", metadata={"env": "LOG_LEVEL", "help": "Python logging level"}
    )
    log_format: str = field(
        default="text",
        metadata={
            "env": "LOG_FORMAT",
            "help": "text (for a terminal) or json (one JSON object a line, for a log shipper)",
        },
    )
    metrics_token: str = field(
        default="",
        repr=False,
        metadata={
            "env": "METRICS_TOKEN",
            "help": "bearer token Prometheus sends to scrape /metrics on the service's port; "
            "empty: /metrics is not served there (404)",
        },
    )
    metrics_port: int = field(
        default=0,
        metadata={
            "env": "METRICS_PORT",
            "help": "a separate port (on METRICS_HOST, no token) where serve's single process "
            "and each incident-desk worker answer /metrics; 0: none",
        },
    )
    metrics_host: str = field(
        default="127.0.0.1",
        metadata={"env": "METRICS_HOST", "help": "address the separate metrics port listens on"},
    )
    ready_heartbeat_seconds: int = field(
        default=120,
        metadata={
            "env": "READY_HEARTBEAT_SECONDS",
            "help": "/ready answers 503 when no worker reported for longer than this",
        },
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.type, raw, PREFIX + f.metadata["env"])
        return cls(**values)

    def __post_init__(self) -> None:
        if self.smtp_security not in SMTP_SECURITY:
            raise ValueError(
                f"{PREFIX}SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
                f"got {self.smtp_security!r}"
            )
        if self.imap_security not in IMAP_SECURITY:
            raise ValueError(
                f"{PREFIX}IMAP_SECURITY must be one of {', '.join(IMAP_SECURITY)}, "
                f"got {self.imap_security!r}"
            )
        for name, low, high, value in (
            ("SANDBOX_CPU_SECONDS", 0.01, 600, self.sandbox_cpu_seconds),
            ("SANDBOX_MEMORY_MB", 16, 1024 * 1024, self.sandbox_memory_mb),
            ("SANDBOX_DATA_KB", 1, 1024 * 1024, self.sandbox_data_kb),
            ("SANDBOX_PROCESSES", 1, 256, self.sandbox_processes),
            ("PROXY_HOPS", 0, 10, self.proxy_hops),
            ("MAIL_SENDER_LIMIT", 1, 100_000, self.mail_sender_limit),
            ("MAIL_MAX_BYTES", 1024, 1024**3, self.mail_max_bytes),
            ("SURVEY_VALID_DAYS", 1, 366, self.survey_valid_days),
            ("RETENTION_DAYS", 0, 36_500, self.retention_days),
            ("IMAP_PORT", 1, 65535, self.imap_port),
            ("IMAP_POLL_SECONDS", 1, 3600, self.imap_poll_seconds),
            ("METRICS_PORT", 0, 65535, self.metrics_port),
            ("READY_HEARTBEAT_SECONDS", 10, 86400, self.ready_heartbeat_seconds),
        ):
            if not low <= value <= high:
                raise ValueError(f"{PREFIX}{name} must be from {low} to {high}, got {value}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(
                f"{PREFIX}LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                f"got {self.log_format!r}"
            )
        if self.mail_unknown_senders not in MAIL_UNKNOWN_SENDERS:
            raise ValueError(
                f"{PREFIX}MAIL_UNKNOWN_SENDERS must be one of {', '.join(MAIL_UNKNOWN_SENDERS)}, "
                f"got {self.mail_unknown_senders!r}"
            )
        if not locales.is_language(self.default_language):
            raise ValueError(
                f"{PREFIX}DEFAULT_LANGUAGE must be one of {', '.join(locales.LANGUAGES)}, "
                f"got {self.default_language!r}"
            )
        if self.mail_reply_to and not _is_address(self.mail_reply_to):
            raise ValueError(
                f"{PREFIX}MAIL_REPLY_TO must be an e-mail address such as "
                f"'Incident Desk <desk@example.org>', got {self.mail_reply_to!r}"
            )
        if not locales.is_time_zone(self.default_timezone):
            raise ValueError(
                f"{PREFIX}DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Athens, "
                f"got {self.default_timezone!r}"
            )

        if self.oidc_issuer:
            self._check_single_sign_on()

    def with_overrides(self, **overrides) -> Settings:
        return replace(self, **overrides)

    @property
    def webhook_hosts(self) -> frozenset[str]:
        return frozenset(
            host.strip().lower().rstrip(".")
            for host in self.webhook_allowed_hosts.split(",")
            if host.strip()
        )

    @property
    def oidc_groups(self) -> dict[str, str]:
        """Provider group -> desk group, as INCIDENT_DESK_OIDC_GROUP_MAP says."""
        pairs = (item.partition("=") for item in self.oidc_group_map.split(",") if item.strip())
        return {name.strip(): group.strip() for name, _, group in pairs}

    def _check_single_sign_on(self) -> None:
        if not self.oidc_issuer.startswith("https://"):
            # The provider's answers decide who is signed in: never over plain HTTP.
            raise ValueError(
                f"{PREFIX}OIDC_ISSUER must be an https:// URL, got {self.oidc_issuer!r}"
            )
        if not self.oidc_client_id:
            raise ValueError(f"{PREFIX}OIDC_CLIENT_ID is needed with {PREFIX}OIDC_ISSUER")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError(f"{PREFIX}OIDC_SCOPES must include openid, got {self.oidc_scopes!r}")
        known = {g.value for g in Group}
        for item in self.oidc_group_map.split(","):
            name, equals, group = (part.strip() for part in item.partition("="))
            if not item.strip():
                continue
            if not equals or not name or group not in known:
                raise ValueError(
                    f"{PREFIX}OIDC_GROUP_MAP takes provider-group=desk-group pairs with the desk "
                    f"groups {', '.join(sorted(known))}; got {item.strip()!r}"
                )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _is_address(value: str) -> bool:
    """One address (with or without a name), as a Reply-To header can carry it."""
    _name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    return bool(local and domain) and not any(c.isspace() for c in address)


def _convert(kind: str, raw: str, name: str):
    if kind == "Path":
        return Path(raw)
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if kind == "bool":
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} must be true or false, got {raw!r}")
    return raw


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting: the README's table."""
    defaults = Settings()
    return [
        (PREFIX + f.metadata["env"], str(getattr(defaults, f.name)), f.metadata["help"])
        for f in fields(Settings)
    ]
