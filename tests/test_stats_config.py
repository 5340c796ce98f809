"""The report's targets: by default the escalation clocks already configured; each can be set."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings


def _community(**env: str):
    return load_settings(env, env_file=None).community()


def test_targets_follow_the_escalation_clocks_by_default():
    community = _community(LINLI_REQUEST_CLAIM_WITHIN="45m", LINLI_DISPUTE_ACK_WITHIN="12h")
    assert community.target_request_claim == timedelta(minutes=45)
    assert community.target_dispute_ack == timedelta(hours=12)
    assert community.target_request_resolve == timedelta(hours=48)
    assert community.target_dispute_resolve == timedelta(days=7)
    assert community.target_share == 0.9
    assert community.monthly_report is True
    assert _community(LINLI_MONTHLY_REPORT="off").monthly_report is False


def test_targets_can_be_set():
    community = _community(
        LINLI_TARGET_REQUEST_CLAIM="20m",
        LINLI_TARGET_DISPUTE_ACK="4h",
        LINLI_TARGET_REQUEST_RESOLVE="3d",
        LINLI_TARGET_DISPUTE_RESOLVE="14d",
        LINLI_TARGET_SHARE="0.8",
    )
    assert community.target_request_claim == timedelta(minutes=20)
    assert community.target_dispute_ack == timedelta(hours=4)
    assert community.target_request_resolve == timedelta(days=3)
    assert community.target_dispute_resolve == timedelta(days=14)
    assert community.target_share == pytest.approx(0.8)
    assert _community(LINLI_TARGET_SHARE="75%").target_share == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LINLI_TARGET_REQUEST_CLAIM", "soon"),
        ("LINLI_TARGET_SHARE", "150%"),
        ("LINLI_TARGET_SHARE", "most"),
        ("LINLI_MONTHLY_REPORT", "sometimes"),
    ],
)
def test_a_bad_target_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        _community(**{name: value})
