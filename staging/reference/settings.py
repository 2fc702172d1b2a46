"""Every environment variable the backend reads, validated once at start-up (API.md 1 and 9.3)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pymongo.errors import InvalidURI
from pymongo.uri_parser import parse_uri

from staging import policy as policy_file
from staging.reference import defects

NODE_ENVS = ("development", "production", "test")
SMTP_PORTS = (25, 465, 587, 2525)
DEFAULT_DB_NAME = "test"  # what Mongoose uses when the URI names no database
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31557600}


class ConfigError(ValueError):
    """A missing or invalid variable; its message is the one line printed before exiting."""


@dataclass(frozen=True)
class Settings:
    node_env: str
    mongodb_uri: str
    db_name: str
    jwt_secret: str
    jwt_refresh_secret: str | None
    stripe_secret_key: str
    port: int = 5001
    host: str = "127.0.0.1"
    tz: str | None = None
    jwt_expire: timedelta = timedelta(days=7)
    jwt_refresh_expire: timedelta = timedelta(days=30)
    rate_limit_window_ms: int = 900_000
    rate_limit_max_requests: int = 100
    login_rate_limit_max: int = 5
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_pass: str | None = None
    email_from: str = "Al Marya Rostery <noreply@almaryarostery.com>"
    stripe_webhook_secret: str | None = None
    stripe_publishable_key: str | None = None
    stripe_api_base: str | None = None
    firebase_service_account_key: str | None = None
    firebase_service_account_path: str | None = None
    firebase_project_id: str | None = None
    firebase_auth_emulator_host: str | None = None
    enable_auto_firebase_sync: bool = True
    qr_badge_secret: str = ""
    base_url: str | None = None
    frontend_url: str | None = None
    bcrypt_rounds: int = 12
    backend_version: str = "1.0.0"
    defects: frozenset[str] = field(default_factory=frozenset)
    # CANCELLATION.md 1: the policy file the suite reads too (ALMARYA_POLICY_FILE, else the repository's).
    policy: policy_file.Policy = field(default_factory=policy_file.load)

    @property
    def is_development(self) -> bool:
        return self.node_env == "development"

    @property
    def is_production(self) -> bool:
        return self.node_env == "production"

    def defect_on(self, name: str) -> bool:
        """Whether an injected defect is switched on; an unknown name is a bug in the caller."""
        defects.check_known(name)
        return name in self.defects

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping; raise ConfigError on the first problem."""
        return _load(env)


def _opt(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _required(env: Mapping[str, str], name: str) -> str:
    value = _opt(env, name)
    if value is None:
        raise ConfigError(f"Missing required environment variable {name}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = _opt(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def parse_duration(raw: str, name: str) -> timedelta:
    """Durations in the `ms` package's notation (7d, 12h, 30m); a bare number is seconds."""
    match = _DURATION.match(raw)
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{name} must be a duration such as 7d, 12h or 3600, got {raw!r}")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"])


def _database_name(uri: str) -> str:
    """The database is the URI's path, as for Mongoose."""
    if uri.startswith("mongodb+srv://"):
        # Validating an +srv URI needs a DNS lookup; its shape is enough here.
        path = uri.split("://", 1)[1].partition("/")[2].partition("?")[0]
        return path or DEFAULT_DB_NAME
    if not uri.startswith("mongodb://"):
        raise ConfigError("MONGODB_URI must start with mongodb:// or mongodb+srv://")
    try:
        parsed = parse_uri(uri)
    except (InvalidURI, ValueError) as exc:
        raise ConfigError(f"MONGODB_URI is not a valid MongoDB URI: {exc}") from None
    return parsed.get("database") or DEFAULT_DB_NAME


def _load(env: Mapping[str, str]) -> Settings:
    node_env = _required(env, "NODE_ENV")
    if node_env not in NODE_ENVS:
        raise ConfigError(f"NODE_ENV must be one of {', '.join(NODE_ENVS)}, got {node_env!r}")
    mongodb_uri = _required(env, "MONGODB_URI")
    db_name = _database_name(mongodb_uri)
    jwt_secret = _required(env, "JWT_SECRET")
    if len(jwt_secret) < 32:
        raise ConfigError("JWT_SECRET must be at least 32 characters long")
    stripe_secret_key = _required(env, "STRIPE_SECRET_KEY")

    smtp_user = _opt(env, "SMTP_USER")
    if smtp_user is not None and "@" not in smtp_user:
        raise ConfigError("SMTP_USER must be an email address (contain @)")
    smtp_port = _int(env, "SMTP_PORT", 587, 1, 65535)
    if _opt(env, "SMTP_PORT") is not None and smtp_port not in SMTP_PORTS:
        raise ConfigError(f"SMTP_PORT must be one of {', '.join(map(str, SMTP_PORTS))}, got {smtp_port}")

    from_address = _opt(env, "EMAIL_FROM_ADDRESS") or smtp_user or "noreply@almaryarostery.com"
    from_name = _opt(env, "EMAIL_FROM_NAME") or "Al Marya Rostery"

    try:
        active_defects = defects.parse_defects(env.get("ALMARYA_DEFECTS"))
    except defects.UnknownDefectError as exc:
        raise ConfigError(f"ALMARYA_DEFECTS: {exc}") from None

    policy_path = _opt(env, policy_file.ENV_VAR)
    try:
        policy = policy_file.load(Path(policy_path) if policy_path else policy_file.DEFAULT_FILE)
    except policy_file.PolicyError as exc:
        raise ConfigError(str(exc)) from None

    return Settings(
        node_env=node_env,
        mongodb_uri=mongodb_uri,
        db_name=db_name,
        jwt_secret=jwt_secret,
        jwt_refresh_secret=_opt(env, "JWT_REFRESH_SECRET"),
        stripe_secret_key=stripe_secret_key,
        port=_int(env, "PORT", 5001, 1, 65535),
        host=_opt(env, "HOST") or "127.0.0.1",
        tz=_opt(env, "TZ"),
        jwt_expire=parse_duration(_opt(env, "JWT_EXPIRE") or "7d", "JWT_EXPIRE"),
        jwt_refresh_expire=parse_duration(_opt(env, "JWT_REFRESH_EXPIRE") or "30d", "JWT_REFRESH_EXPIRE"),
        rate_limit_window_ms=_int(env, "RATE_LIMIT_WINDOW_MS", 900_000, 1, 2**31),
        rate_limit_max_requests=_int(env, "RATE_LIMIT_MAX_REQUESTS", 100, 1, 2**31),
        login_rate_limit_max=_int(env, "LOGIN_RATE_LIMIT_MAX", 5, 1, 2**31),
        smtp_host=_opt(env, "SMTP_HOST"),
        smtp_port=smtp_port,
        smtp_user=smtp_user,
        smtp_pass=_opt(env, "SMTP_PASS"),
        email_from=f"{from_name} <{from_address}>",
        stripe_webhook_secret=_opt(env, "STRIPE_WEBHOOK_SECRET"),
        stripe_publishable_key=_opt(env, "STRIPE_PUBLISHABLE_KEY"),
        stripe_api_base=_opt(env, "STRIPE_API_BASE"),
        firebase_service_account_key=_opt(env, "FIREBASE_SERVICE_ACCOUNT_KEY"),
        firebase_service_account_path=_opt(env, "FIREBASE_SERVICE_ACCOUNT_PATH"),
        firebase_project_id=_opt(env, "FIREBASE_PROJECT_ID"),
        firebase_auth_emulator_host=_opt(env, "FIREBASE_AUTH_EMULATOR_HOST"),
        enable_auto_firebase_sync=(_opt(env, "ENABLE_AUTO_FIREBASE_SYNC") or "true").lower() != "false",
        qr_badge_secret=_opt(env, "QR_BADGE_SECRET") or jwt_secret,
        base_url=_opt(env, "BASE_URL"),
        frontend_url=_opt(env, "FRONTEND_URL"),
        bcrypt_rounds=_int(env, "BCRYPT_ROUNDS", 4 if node_env == "test" else 12, 4, 31),
        backend_version=_opt(env, "BACKEND_VERSION") or "1.0.0",
        defects=active_defects,
        policy=policy,
    )
