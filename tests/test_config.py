"""Configuration: defaults, and a malformed value names its variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.variables import VARIABLES

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults():
    settings = load_settings({})
    assert settings.telegram_token is None
    assert settings.telegram_base_url == "https://api.telegram.org"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "data/linli.db"
    )
    assert settings.timezone.key == "Asia/Shanghai"
    assert settings.default_locale == "zh_Hans"
    assert settings.admins == frozenset()


def test_values_are_read():
    settings = load_settings(
        {
            "LINLI_TELEGRAM_TOKEN": "123456:ABCdefGHIjklMNO",
            "LINLI_TELEGRAM_BASE_URL": "http://127.0.0.1:8081/",
            "LINLI_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            "LINLI_TIMEZONE": "Europe/Berlin",
            "LINLI_DEFAULT_LOCALE": "en",
            "LINLI_ADMINS": "42, 43",
        }
    )
    assert settings.telegram_base_url == "http://127.0.0.1:8081"
    assert settings.admins == frozenset({42, 43})
    assert settings.community().admin_refs == frozenset({"telegram:42", "telegram:43"})
    assert settings.default_locale == "en"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("zh_Hant", "zh_Hant"), ("zh-TW", "zh_Hant"), ("zh-hk", "zh_Hant"), ("zh_CN", "zh_Hans")],
)
def test_default_locale_may_be_traditional(raw, expected):
    assert load_settings({"LINLI_DEFAULT_LOCALE": raw}).default_locale == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LINLI_TELEGRAM_TOKEN", "not-a-token"),
        ("LINLI_TELEGRAM_BASE_URL", "ftp://x"),
        ("LINLI_DATABASE_URL", "mysql://x"),
        ("LINLI_TIMEZONE", "Mars/Olympus"),
        ("LINLI_DEFAULT_LOCALE", "fr"),
        ("LINLI_ADMINS", "42,alice"),
        ("LINLI_ADMINS", "4²"),
        ("LINLI_WEBHOOK_PORT", "99999"),
        ("LINLI_WEBHOOK_SECRET", "has spaces"),
        ("LINLI_OUTBOX_INTERVAL", "soon"),
        ("LINLI_LOG_LEVEL", "LOUD"),
        ("LINLI_REQUEST_CLAIM_WITHIN", "half an hour"),
        ("LINLI_HOURS_ROUNDING", "15"),
        ("LINLI_HOURS_ROUNDING", "15,0"),
        ("LINLI_HOURS_COLUMNS", "name,shoe size"),
    ],
)
def test_malformed_value_names_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_env_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("LINLI_TIMEZONE=Europe/Paris\nLINLI_ADMINS=7\n")
    monkeypatch.setenv("LINLI_ADMINS", "8")
    settings = load_settings(env_file=env)
    assert settings.timezone.key == "Europe/Paris"
    assert settings.admins == frozenset({8})


def _readme_table() -> dict[str, str]:
    """The README's configuration table: variable → its default column."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`LINLI_[A-Z_]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1]
    return rows


def test_the_readme_table_is_the_declared_table():
    """Every variable declared in ``bot.variables`` has its row in the README, with the same
    default, and the README names no variable that is not declared."""
    table = _readme_table()
    assert list(table) == [variable.name for variable in VARIABLES]
    for variable in VARIABLES:
        assert table[variable.name] == variable.readme_default, variable.name


def test_the_community_defaults_are_the_declared_defaults():
    """A community made by hand (as the tests make one) has the settings' defaults, but for
    the monthly report, which only a deployment sends."""
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from handlers.types import Community

    declared = load_settings({}, env_file=None).community()
    by_hand = Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")
    assert replace(declared, monthly_report=False) == by_hand


def test_service_settings_are_read():
    from datetime import time, timedelta

    settings = load_settings(
        {
            "LINLI_EVENT_REMINDERS": "2h, 1d, 30m",
            "LINLI_SERVICE_HOURS": "08:30-20:00",
            "LINLI_VOLUNTEER_CHAT_ID": "-1001",
            "LINLI_DISPUTE_ACK_WITHIN": "20s",
            "LINLI_DISPUTE_FOLLOWUP_AFTER": "2d",
        }
    )
    community = settings.community()
    assert community.event_reminders == (
        timedelta(days=1),
        timedelta(hours=2),
        timedelta(minutes=30),
    )
    assert community.service_hours == (time(8, 30), time(20))
    assert community.team_chats == {"volunteers": "-1001"}
    assert community.dispute_ack_within == timedelta(seconds=20)
    assert community.dispute_followup_after == timedelta(days=2)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LINLI_EVENT_REMINDERS", "24h,soon"),
        ("LINLI_SERVICE_HOURS", "21:00-09:00"),
        ("LINLI_SERVICE_HOURS", "all day"),
        ("LINLI_VOLUNTEER_CHAT_ID", "@team"),
        ("LINLI_MEDIATOR_CHAT_ID", "mediators"),
        ("LINLI_DISPUTE_ACK_WITHIN", "tomorrow"),
        ("LINLI_DISPUTE_FOLLOWUP_AFTER", "0s"),
    ],
)
def test_malformed_service_setting_names_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_help_request_clocks():
    from datetime import timedelta

    default = load_settings({}).community()
    assert (default.request_claim_within, default.request_urgent_claim_within) == (
        timedelta(minutes=30),
        timedelta(minutes=10),
    )
    community = load_settings(
        {"LINLI_REQUEST_CLAIM_WITHIN": "45m", "LINLI_REQUEST_SILENT_ADMINS_AFTER": "3d"}
    ).community()
    assert community.request_claim_within == timedelta(minutes=45)
    assert community.request_silent_admins_after == timedelta(days=3)
    assert community.request_admins_after == timedelta(hours=2)


def test_matrix_settings_and_admins_by_mxid():
    settings = load_settings(
        {
            "LINLI_MATRIX_HOMESERVER": "https://matrix.example.org/",
            "LINLI_MATRIX_USER": "@linli:example.org",
            "LINLI_MATRIX_PASSWORD": "pw",
            "LINLI_ADMINS": "@li:example.org, 9000",
            "LINLI_DATA_DIR": "/srv/linli",
        },
        env_file=None,
    )
    assert settings.matrix_homeserver == "https://matrix.example.org"
    assert settings.matrix_user == "@linli:example.org"
    assert str(settings.data_dir) == "/srv/linli"
    assert settings.community().admin_refs == {"matrix:@li:example.org", "telegram:9000"}
    assert load_settings({}, env_file=None).matrix_homeserver is None


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"LINLI_MATRIX_HOMESERVER": "matrix.example.org"}, "LINLI_MATRIX_HOMESERVER"),
        (
            {"LINLI_MATRIX_HOMESERVER": "https://m.org", "LINLI_MATRIX_USER": "linli"},
            "LINLI_MATRIX_USER",
        ),
        (
            {"LINLI_MATRIX_HOMESERVER": "https://m.org", "LINLI_MATRIX_USER": "@linli:m.org"},
            "LINLI_MATRIX_PASSWORD",
        ),
        ({"LINLI_ADMINS": "li@example.org"}, "LINLI_ADMINS"),
    ],
)
def test_malformed_matrix_setting_names_the_variable(values, named):
    with pytest.raises(ConfigError, match=named):
        load_settings(values, env_file=None)


def test_volunteering_settings_reach_the_community():
    """Rounding, the certificate's issuer and the export's columns, from the settings."""
    default = load_settings({}).community()
    assert default.hours_rounding == (15, 30)
    assert default.hours_columns == ("name", "phone", "activity", "date", "hours")
    community = load_settings(
        {
            "LINLI_HOURS_ROUNDING": "10, 15",
            "LINLI_CERTIFICATE_ISSUER": "天府新区南山社区",
            "LINLI_HOURS_COLUMNS": "name,date,hours,makeup",
        }
    ).community()
    assert community.hours_rounding == (10, 15)
    assert community.certificate_issuer == "天府新区南山社区"
    assert community.hours_columns == ("name", "date", "hours", "makeup")
