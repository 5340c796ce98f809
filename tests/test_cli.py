"""The command line: the scripted console chat, roles, the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.migrate import head_revision

ROOT = Path(__file__).resolve().parent.parent


def linli(tmp_path: Path, *args: str, stdin: str = "", extra_env: dict | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env["LINLI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


def test_scripted_shell_prints_welcome_and_menu(tmp_path):
    result = linli(tmp_path, "shell", stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert "欢迎使用邻里" in result.stdout  # the community default is Chinese
    assert "[1] 🗓 活动" in result.stdout
    # No language hint from the console: the welcome switches language in one tap.
    assert "[4] 中文   [5] English" in result.stdout


def test_scripted_shell_switches_person_and_presses_by_number(tmp_path):
    script = "/start\n:as alice en\n/start\n4\n1\n/help\n"
    result = linli(tmp_path, "shell", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "(now chatting as alice, en)" in result.stdout
    assert "Welcome to Linli" in result.stdout
    assert "好的，以后我会用中文和您交流。" in result.stdout  # 4 → language, 1 → 中文
    assert "您可以给我发送这些命令：" in result.stdout


def test_run_without_token_starts_the_console_with_a_banner(tmp_path):
    result = linli(tmp_path, "run", stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert "No LINLI_TELEGRAM_TOKEN is set" in result.stderr
    assert "@BotFather" in result.stderr
    assert "欢迎使用邻里" in result.stdout


def test_bad_configuration_stops_with_the_variable_named(tmp_path):
    result = linli(tmp_path, "shell", stdin="", extra_env={"LINLI_TIMEZONE": "Nowhere/Land"})
    assert result.returncode == 2
    assert "LINLI_TIMEZONE" in result.stderr


def test_roles_grant_list_revoke_and_notify(tmp_path):
    assert "granted" in linli(tmp_path, "users", "grant", "console:alice", "volunteer").stdout
    again = linli(tmp_path, "users", "grant", "console:alice", "volunteer")
    assert "was already granted" in again.stdout
    listing = linli(tmp_path, "users", "list", "--role", "volunteer").stdout
    assert "console:alice" in listing and "volunteer" in listing
    # The granted person hears about it through the outbox when they next use the bot.
    chat = linli(tmp_path, "shell", "--as", "alice", "--lang", "en", stdin="/start\n").stdout
    assert "You are now a volunteer in Linli." in chat
    assert "revoked" in linli(tmp_path, "users", "revoke", "console:alice", "volunteer").stdout
    assert "console:alice" not in linli(tmp_path, "users", "list", "--role", "volunteer").stdout


@pytest.mark.parametrize("ref", ["alice", "telegram:abc", ":1", "matrix:li", "matrix:@li"])
def test_bad_user_reference(tmp_path, ref):
    result = linli(tmp_path, "users", "grant", ref, "admin")
    assert result.returncode != 0
    assert any(words in result.stderr for words in ("TRANSPORT:ID", "is a number", "@name:server"))


def test_a_matrix_person_is_granted_a_role_by_their_mxid(tmp_path):
    result = linli(tmp_path, "users", "grant", "matrix:@li:example.org", "volunteer")
    assert result.stdout.strip() == "matrix:@li:example.org: volunteer granted"
    listing = linli(tmp_path, "users", "list", "--role", "volunteer").stdout
    assert "matrix:@li:example.org" in listing


def test_db_upgrade(tmp_path):
    result = linli(tmp_path, "db", "upgrade")
    assert result.stdout.strip() == f"database schema at revision {head_revision()}"


def test_granting_each_role_tells_the_person_in_a_whole_sentence(tmp_path):
    for role in ("organiser", "admin"):
        linli(tmp_path, "users", "grant", "console:alice", role)
    chat = linli(tmp_path, "shell", "--as", "alice", "--lang", "en", stdin="/help\n").stdout
    assert "You are now an organiser in Linli." in chat
    assert "You are now an administrator in Linli." in chat
