"""Environment validation (API.md 1, 9.3) and the defects switch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from staging.reference.defects import UnknownDefectError
from staging.reference.settings import ConfigError, Settings

from .support import base_env, run_module

MONGO = "mongodb://127.0.0.1:1"


def env(**changes: str | None) -> dict[str, str]:
    values = base_env(MONGO, "almarya_e2e")
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def test_defaults_follow_the_contract():
    """PORT 5001, 7d/30d tokens, cheap bcrypt under test, the database from the URI path."""
    settings = Settings.from_env(env())
    assert settings.port == 5001
    assert settings.jwt_expire == timedelta(days=7)
    assert settings.jwt_refresh_expire == timedelta(days=30)
    assert settings.bcrypt_rounds == 4
    assert settings.db_name == "almarya_e2e"
    assert settings.defects == frozenset()


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        pytest.param({"NODE_ENV": None}, "NODE_ENV", id="missing-node-env"),
        pytest.param({"NODE_ENV": "staging"}, "NODE_ENV", id="bad-node-env"),
        pytest.param({"MONGODB_URI": "postgres://x/y"}, "MONGODB_URI", id="bad-uri-scheme"),
        pytest.param({"MONGODB_URI": None}, "MONGODB_URI", id="missing-uri"),
        pytest.param({"JWT_SECRET": "short"}, "JWT_SECRET", id="short-secret"),
        pytest.param({"STRIPE_SECRET_KEY": ""}, "STRIPE_SECRET_KEY", id="empty-stripe-key"),
        pytest.param({"PORT": "http"}, "PORT", id="bad-port"),
        pytest.param({"SMTP_USER": "nobody"}, "SMTP_USER", id="smtp-user-without-at"),
        pytest.param({"JWT_EXPIRE": "soon"}, "JWT_EXPIRE", id="bad-duration"),
        pytest.param({"ALMARYA_DEFECTS": "no-such-defect"}, "ALMARYA_DEFECTS", id="unknown-defect"),
    ],
)
def test_invalid_environment_is_refused(changes, fragment):
    """A missing or invalid variable is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env(**changes))


def test_asking_about_an_unknown_defect_is_a_bug():
    """defect_on() refuses names outside the catalog, so a typo cannot silently read False."""
    with pytest.raises(UnknownDefectError):
        Settings.from_env(env()).defect_on("no-such-defect")


def test_entry_point_exits_with_one_line_on_bad_environment():
    """`python -m staging.reference` prints one clear line and exits non-zero, no traceback."""
    proc = run_module(env(JWT_SECRET="short"))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "JWT_SECRET" in lines[0]
