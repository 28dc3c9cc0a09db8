"""Configuration by environment variables."""

import re
from pathlib import Path

import pytest

from config import ConfigError, Settings


def test_defaults_run_on_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/app.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.graphiql


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000/portal"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000/portal"),
        ({"HOST": "::1"}, "http://[::1]:8000/portal"),
        ({"HOST": "fleet.lan"}, "http://fleet.lan:8000/portal"),
        ({"APP_BASE_URL": "https://fleet.example.com/portal/"}, "https://fleet.example.com/portal"),
        ({"APP_BASE_URL": ""}, "http://127.0.0.1:8000/portal"),
    ],
)
def test_mail_links_point_at_this_servers_portal_unless_told_otherwise(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    assert Settings.from_env({"DATA_DIR": str(tmp_path), **env}).app_base_url == expected


def test_development_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"DATA_DIR": str(tmp_path)}).jwt_key
    second = Settings.from_env({"DATA_DIR": str(tmp_path)}).jwt_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "jwt.key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_production_without_a_key_is_a_clear_start_up_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY is required"):
        Settings.from_env({"APP_ENV": "production", "DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "jwt.key").exists()


def test_short_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env({"JWT_SECRET_KEY": "short"})


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "APP_ENV": "production",
            "JWT_SECRET_KEY": "k" * 40,
            "DATABASE_URL": "postgresql+asyncpg://db/app",
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "CORS_ORIGINS": "https://app.example.com, https://portal.example.com",
            "JWT_ISSUER": "iss",
            "JWT_AUDIENCE": "aud",
            "JWT_ACCESS_TTL_SECONDS": "60",
            "JWT_REFRESH_TTL_SECONDS": "3600",
            "BOOTSTRAP_COMPANY_NAME": "Operator",
            "BOOTSTRAP_COMPANY_COUNTRY": "DE",
            "BOOTSTRAP_ADMIN_EMAIL": "ops@example.com",
            "BOOTSTRAP_ADMIN_PASSWORD": "a long passphrase",
            "MAX_BODY_BYTES": "1000",
            "MAX_QUERY_DEPTH": "5",
            "MAX_ALIASES": "3",
            "MAX_TOKENS": "100",
            "MAX_PAGE_SIZE": "10",
            "MAX_TREE_PAGE_SIZE": "20",
        }
    )
    assert settings.is_production
    assert not settings.graphiql
    assert settings.cors_origins == ("https://app.example.com", "https://portal.example.com")
    assert (settings.host, settings.port, settings.jwt_issuer, settings.jwt_audience) == (
        "0.0.0.0",
        9000,
        "iss",
        "aud",
    )
    assert settings.access_token_ttl.total_seconds() == 60
    assert settings.refresh_token_ttl.total_seconds() == 3600
    assert (settings.bootstrap_company_name, settings.bootstrap_company_country) == (
        "Operator",
        "DE",
    )
    assert settings.bootstrap_admin_email == "ops@example.com"
    assert settings.bootstrap_admin_password == "a long passphrase"
    assert (settings.max_body_bytes, settings.max_query_depth, settings.max_aliases) == (1000, 5, 3)
    assert (settings.max_tokens, settings.max_page_size, settings.max_tree_page_size) == (
        100,
        10,
        20,
    )


def test_malformed_numbers_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="PORT"):
        Settings.from_env({"JWT_SECRET_KEY": "k" * 40, "PORT": "eighty"})


def test_every_setting_is_in_the_readme_table() -> None:
    root = Path(__file__).resolve().parent.parent
    names = set(
        re.findall(r'env(?:\.get\(|\[|,\s*)"([A-Z][A-Z0-9_]+)"', (root / "config.py").read_text())
    )
    assert {"DATABASE_URL", "MIGRATE_ON_START", "METRICS_PORT", "TRACING"} <= names
    table = [
        line for line in (root / "README.md").read_text().splitlines() if line.startswith("| `")
    ]
    documented = {
        name for line in table for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split(" | ")[0])
    }
    assert sorted(names - documented) == []


def test_the_audit_settings() -> None:
    key = {"JWT_SECRET_KEY": "k" * 40}
    defaults = Settings.from_env(key)
    assert defaults.audit_retention_days == 400
    # Unset, the audit key is derived from the JWT key: stable, and never the JWT key itself.
    assert defaults.audit_key == Settings.from_env(key).audit_key != "k" * 40
    assert Settings.from_env({**key, "JWT_SECRET_KEY": "j" * 40}).audit_key != defaults.audit_key
    chosen = Settings.from_env({**key, "AUDIT_SECRET_KEY": "a" * 32, "AUDIT_RETENTION_DAYS": "30"})
    assert (chosen.audit_key, chosen.audit_retention_days) == ("a" * 32, 30)
    assert "a" * 32 not in repr(chosen)
    with pytest.raises(ConfigError, match="AUDIT_SECRET_KEY must be at least 32"):
        Settings.from_env({**key, "AUDIT_SECRET_KEY": "short"})
    for days in ("0", "-5"):
        with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS must be at least 1"):
            Settings.from_env({**key, "AUDIT_RETENTION_DAYS": days})
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS must be an integer"):
        Settings.from_env({**key, "AUDIT_RETENTION_DAYS": "a year"})
