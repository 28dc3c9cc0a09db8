"""Settings, read once from environment variables (documented in README.md)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not describe a runnable server."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value > 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _choice(env: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw in ("true", "1", "yes")


def _list(env: dict[str, str], name: str, default: str) -> tuple[str, ...]:
    raw = env.get(name, default)
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def own_portal_url(host: str, port: int) -> str:
    """The portal this server serves, as a browser on this machine reaches it: the default of
    APP_BASE_URL. A server listening on every interface is named by loopback; behind a proxy or
    on another machine, set APP_BASE_URL to the address people use."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/portal"


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = "sqlite+aiosqlite:///data/app.db"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: tuple[str, ...] = ()
    jwt_key: str = field(default="", repr=False)
    jwt_issuer: str = "fleet-admin"
    jwt_audience: str = "fleet-admin-api"
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    bootstrap_company_name: str = "Platform"
    bootstrap_admin_email: str = "admin@example.com"
    bootstrap_admin_password: str | None = field(default=None, repr=False)
    bootstrap_company_country: str = "ES"
    max_body_bytes: int = 1_000_000
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2_000
    max_fields: int = 500  # field selections, fragments expanded (schema/cost.py)
    max_repeated_fields: int = 10  # selections of one response name in one selection set
    cost_budget: int = 50_000  # signed-in requests; the cost model is in schema/cost.py
    # Without a token only sign-in and introspection answer: 1,000 in production (where the
    # schema is not for strangers), enough for GraphiQL's introspection query elsewhere.
    anonymous_cost_budget: int = 20_000
    report_cost: bool = False  # `extensions.cost` on every answer, not only when asked
    max_page_size: int = 100
    max_tree_page_size: int = 5_000
    graphiql: bool = True
    # Who may introspect and get "Did you mean" suggestions: all, policy (the platform's
    # staff, by policies/policy.csv; production's default) or off (schema/introspection.py).
    introspection: str = "all"
    # Links in mails point at the web client, which calls the API with the token: by default
    # the portal this server serves at /portal (web/portal.py).
    app_base_url: str = "http://127.0.0.1:8000/portal"
    invitation_ttl: timedelta = timedelta(days=7)
    password_reset_ttl: timedelta = timedelta(hours=1)
    smtp_host: str | None = None  # unset: mails are written to the log (development)
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "starttls"  # starttls, tls or none
    mail_from: str = "Fleet Admin <no-reply@example.com>"
    # The language of an invitation that names none (en, es or fr); users then choose theirs.
    default_locale: str = "en"
    credit_period: timedelta = timedelta(days=30)  # what one credit pays for, per device
    scheduler_interval: timedelta = timedelta(seconds=60)
    mail_poll_seconds: float = 5.0  # how often each server's mail worker looks for due mail
    # false: `cli.py run` does not migrate but waits for the head (after `cli.py migrate`)
    migrate_on_start: bool = True
    migration_wait_seconds: float = 300.0
    # Reads from a replica (None: from the primary); a request that wrote reads the primary.
    database_read_url: str | None = field(default=None, repr=False)
    ready_timeout_seconds: float = 2.0  # /readyz: how long each database may take to answer
    # /metrics: a bearer token, and/or a listener of its own (host and port).
    metrics_token: str | None = field(default=None, repr=False)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    log_format: str = "text"  # json in production
    log_level: str = "INFO"
    tracing: bool = False  # OpenTelemetry spans of requests and SQL, exported by OTLP
    shutdown_grace_seconds: float = 30.0  # SIGTERM: how long requests in flight may finish
    hsts_max_age: int = 0  # seconds; set when served behind TLS (0: no HSTS header)
    apq_cache_size: int = 1_000  # automatic persisted queries kept per process (0: off)
    document_allowlist: Path | None = None  # set: only these documents run (trusted documents)
    # The key of the audit entries' MACs; unset, derived from the JWT key (services/audit.py).
    audit_secret: str = field(default="", repr=False)
    audit_retention_days: int = 400

    @property
    def audit_key(self) -> str:
        """What keys the audit trail's MACs: AUDIT_SECRET_KEY, else one derived from the JWT
        key (so a deployment has one without configuring it, and never the JWT key itself)."""
        if self.audit_secret:
            return self.audit_secret
        return hmac.new(self.jwt_key.encode(), b"fleet audit trail", hashlib.sha256).hexdigest()

    # Subscriptions (web/graphql_ws.py): how long events are kept for resuming, and limits.
    event_retention: timedelta = timedelta(hours=24)
    ws_init_timeout: float = 10.0  # seconds between the upgrade and connection_init
    ws_max_subscriptions: int = 20  # per connection
    ws_max_connections_per_user: int = 10  # per server process
    ws_queue_size: int = 200  # events waiting to be sent, per connection

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        environment = env.get("APP_ENV", "development")
        if environment not in ("development", "test", "production"):
            raise ConfigError("APP_ENV must be development, test or production")
        data_dir = Path(env.get("DATA_DIR", "data"))
        jwt_key = env.get("JWT_SECRET_KEY", "")
        if not jwt_key:
            if environment == "production":
                raise ConfigError(
                    "JWT_SECRET_KEY is required when APP_ENV=production "
                    "(at least 32 random bytes, e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)"
                )
            jwt_key = _development_jwt_key(data_dir)
        if len(jwt_key) < 32:
            raise ConfigError("JWT_SECRET_KEY must be at least 32 characters long")
        audit_secret = env.get("AUDIT_SECRET_KEY", "")
        if audit_secret and len(audit_secret) < 32:
            raise ConfigError("AUDIT_SECRET_KEY must be at least 32 characters long")
        audit_retention_days = _int(env, "AUDIT_RETENTION_DAYS", 400)
        if audit_retention_days < 1:
            # 0 would purge every sealed entry on the next run of the jobs.
            raise ConfigError(
                f"AUDIT_RETENTION_DAYS must be at least 1, got {audit_retention_days}"
            )
        host = env.get("HOST", "127.0.0.1")
        port = _int(env, "PORT", 8000)
        return cls(
            environment=environment,
            database_url=env.get("DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'app.db'}"),
            data_dir=data_dir,
            host=host,
            port=port,
            cors_origins=_list(env, "CORS_ORIGINS", ""),
            jwt_key=jwt_key,
            jwt_issuer=env.get("JWT_ISSUER", "fleet-admin"),
            jwt_audience=env.get("JWT_AUDIENCE", "fleet-admin-api"),
            access_token_ttl=timedelta(seconds=_int(env, "JWT_ACCESS_TTL_SECONDS", 900)),
            refresh_token_ttl=timedelta(seconds=_int(env, "JWT_REFRESH_TTL_SECONDS", 30 * 86400)),
            bootstrap_company_name=env.get("BOOTSTRAP_COMPANY_NAME", "Platform"),
            bootstrap_admin_email=env.get("BOOTSTRAP_ADMIN_EMAIL", "admin@example.com"),
            bootstrap_admin_password=env.get("BOOTSTRAP_ADMIN_PASSWORD") or None,
            bootstrap_company_country=env.get("BOOTSTRAP_COMPANY_COUNTRY", "ES"),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_000_000),
            max_query_depth=_int(env, "MAX_QUERY_DEPTH", 12),
            max_aliases=_int(env, "MAX_ALIASES", 30),
            max_tokens=_int(env, "MAX_TOKENS", 2_000),
            max_fields=_int(env, "MAX_FIELDS", 500),
            max_repeated_fields=_int(env, "MAX_REPEATED_FIELDS", 10),
            cost_budget=_int(env, "COST_BUDGET", 50_000),
            anonymous_cost_budget=_int(
                env, "ANONYMOUS_COST_BUDGET", 1_000 if environment == "production" else 20_000
            ),
            report_cost=env.get("REPORT_COST", "false") == "true",
            max_page_size=_int(env, "MAX_PAGE_SIZE", 100),
            max_tree_page_size=_int(env, "MAX_TREE_PAGE_SIZE", 5_000),
            graphiql=env.get("GRAPHIQL", "true" if environment != "production" else "false")
            == "true",
            introspection=_choice(
                env,
                "INTROSPECTION",
                "policy" if environment == "production" else "all",
                ("all", "policy", "off"),
            ),
            app_base_url=(env.get("APP_BASE_URL") or own_portal_url(host, port)).rstrip("/"),
            invitation_ttl=timedelta(seconds=_int(env, "INVITATION_TTL_SECONDS", 7 * 86400)),
            password_reset_ttl=timedelta(seconds=_int(env, "PASSWORD_RESET_TTL_SECONDS", 3600)),
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=_int(env, "SMTP_PORT", 587),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_security=_choice(env, "SMTP_SECURITY", "starttls", ("starttls", "tls", "none")),
            mail_from=env.get("MAIL_FROM", "Fleet Admin <no-reply@example.com>"),
            default_locale=_choice(
                {"DEFAULT_LOCALE": (env.get("DEFAULT_LOCALE") or "").strip().lower()},
                "DEFAULT_LOCALE",
                "en",
                ("en", "es", "fr"),
            ),
            credit_period=timedelta(days=_int(env, "CREDIT_PERIOD_DAYS", 30)),
            scheduler_interval=timedelta(seconds=_int(env, "SCHEDULER_INTERVAL_SECONDS", 60)),
            mail_poll_seconds=_seconds(env, "MAIL_POLL_SECONDS", 5.0),
            migrate_on_start=_bool(env, "MIGRATE_ON_START", True),
            migration_wait_seconds=_seconds(env, "MIGRATION_WAIT_SECONDS", 300.0),
            database_read_url=env.get("DATABASE_READ_URL") or None,
            ready_timeout_seconds=_seconds(env, "READY_TIMEOUT_SECONDS", 2.0),
            metrics_token=env.get("METRICS_TOKEN") or None,
            metrics_host=env.get("METRICS_HOST", "127.0.0.1"),
            metrics_port=_int(env, "METRICS_PORT", 0) or None,
            log_format=_choice(
                env,
                "LOG_FORMAT",
                "json" if environment == "production" else "text",
                ("json", "text"),
            ),
            log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            tracing=_bool(env, "TRACING", False),
            shutdown_grace_seconds=_seconds(env, "SHUTDOWN_GRACE_SECONDS", 30.0),
            hsts_max_age=_int(env, "HSTS_MAX_AGE", 0),
            apq_cache_size=_int(env, "APQ_CACHE_SIZE", 1_000),
            document_allowlist=Path(env["DOCUMENT_ALLOWLIST"])
            if env.get("DOCUMENT_ALLOWLIST")
            else None,
            audit_secret=audit_secret,
            audit_retention_days=audit_retention_days,
            event_retention=timedelta(seconds=_seconds(env, "EVENT_RETENTION_SECONDS", 86400)),
            ws_init_timeout=_seconds(env, "WS_INIT_TIMEOUT_SECONDS", 10.0),
            ws_max_subscriptions=_int(env, "WS_MAX_SUBSCRIPTIONS", 20),
            ws_max_connections_per_user=_int(env, "WS_MAX_CONNECTIONS_PER_USER", 10),
            ws_queue_size=_int(env, "WS_QUEUE_SIZE", 200),
        )


def _development_jwt_key(data_dir: Path) -> str:
    """A key generated once and kept in the data folder, so tokens survive restarts."""
    path = data_dir / "jwt.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with 0600 so other local users cannot mint tokens.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
