"""The command line: the scripted console chat, roles, the database.

``linli`` runs ``bot.cli.main`` in this process (its arguments, environment, stdin, stdout,
stderr and exit code, as a shell would see them): starting a Python process per call cost
seconds. One test runs the real ``python -m bot.cli`` to keep the entry point honest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.migrate import head_revision

ROOT = Path(__file__).resolve().parent.parent


def test_the_real_entry_point_prints_welcome_and_menu(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env["LINLI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell"],
        input="/start\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "欢迎使用邻里" in result.stdout  # the community default is Chinese
    assert "[1] 🗓 活动" in result.stdout
    # No language hint from the console: the welcome switches language in one tap.
    assert "[6] 简体   [7] 繁體   [8] English" in result.stdout


def test_scripted_shell_prints_welcome_and_menu(linli):
    result = linli("shell", stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert "欢迎使用邻里" in result.stdout  # the community default is Chinese
    assert "[1] 🗓 活动" in result.stdout
    # No language hint from the console: the welcome switches language in one tap.
    assert "[6] 简体   [7] 繁體   [8] English" in result.stdout


def test_scripted_shell_switches_person_and_presses_by_number(linli):
    script = "/start\n:as alice en\n/start\n6\n1\n/help\n"
    result = linli("shell", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "(now chatting as alice, en)" in result.stdout
    assert "Welcome to Linli" in result.stdout
    assert "好的，以后我会用简体中文和您交流。" in result.stdout  # 6 → language, 1 → 简体
    assert "您可以给我发送这些命令：" in result.stdout


def test_run_without_token_starts_the_console_with_a_banner(linli):
    result = linli("run", stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert "No LINLI_TELEGRAM_TOKEN is set" in result.stderr
    assert "@BotFather" in result.stderr
    assert "欢迎使用邻里" in result.stdout


def test_bad_configuration_stops_with_the_variable_named(linli):
    result = linli("shell", stdin="", extra_env={"LINLI_TIMEZONE": "Nowhere/Land"})
    assert result.returncode == 2
    assert "LINLI_TIMEZONE" in result.stderr


def test_roles_grant_list_revoke_and_notify(linli):
    assert "granted" in linli("users", "grant", "console:alice", "volunteer").stdout
    again = linli("users", "grant", "console:alice", "volunteer")
    assert "was already granted" in again.stdout
    listing = linli("users", "list", "--role", "volunteer").stdout
    assert "console:alice" in listing and "volunteer" in listing
    # The granted person hears about it through the outbox when they next use the bot.
    chat = linli("shell", "--as", "alice", "--lang", "en", stdin="/start\n").stdout
    assert "You are now a volunteer in Linli." in chat
    assert "revoked" in linli("users", "revoke", "console:alice", "volunteer").stdout
    assert "console:alice" not in linli("users", "list", "--role", "volunteer").stdout


@pytest.mark.parametrize("ref", ["alice", "telegram:abc", ":1", "matrix:li", "matrix:@li"])
def test_bad_user_reference(linli, ref):
    result = linli("users", "grant", ref, "admin")
    assert result.returncode != 0
    assert any(words in result.stderr for words in ("TRANSPORT:ID", "is a number", "@name:server"))


def test_a_matrix_person_is_granted_a_role_by_their_mxid(linli):
    result = linli("users", "grant", "matrix:@li:example.org", "volunteer")
    assert result.stdout.strip() == "matrix:@li:example.org: volunteer granted"
    listing = linli("users", "list", "--role", "volunteer").stdout
    assert "matrix:@li:example.org" in listing


def test_db_upgrade(linli):
    result = linli("db", "upgrade", fresh=True)
    assert result.stdout.strip() == f"database schema at revision {head_revision()}"


def test_granting_each_role_tells_the_person_in_a_whole_sentence(linli):
    for role in ("organiser", "admin"):
        linli("users", "grant", "console:alice", role)
    chat = linli("shell", "--as", "alice", "--lang", "en", stdin="/help\n").stdout
    assert "You are now an organiser in Linli." in chat
    assert "You are now an administrator in Linli." in chat


def test_a_room_is_added_and_booked_on_the_console(linli):
    """``linli rooms add``, then the console: /rooms → the room (by number) → its week."""
    added = linli("rooms", "add", "chess", "--name-zh", "棋牌活动室", "--name-en", "Chess room")
    assert added.returncode == 0, added.stderr
    result = linli("shell", "--lang", "en", stdin="/rooms\n1\n")
    assert result.returncode == 0, result.stderr
    assert "[1] Chess room" in result.stdout
    assert "Chess room — up to 10 people" in result.stdout and "Choose a day." in result.stdout
