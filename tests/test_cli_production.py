"""A fresh production instance: the web app refuses to start without keys,
but `meldpunt init` (which creates them) runs."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, PasswordHashParams, Settings
from app.crypto.kdf import Argon2Params
from app.keyring import missing_key_files


def production_settings(tmp_path) -> Settings:
    # Production refuses Argon2id below 64 MiB; one pass keeps the test quick.
    argon2 = Argon2Params(time_cost=1, memory_kib=65536, parallelism=1)
    return Settings(
        env="production", secret_key="a-long-random-production-secret-0123456789abcdef",
        database_url="postgresql+psycopg://meldpunt@db/meldpunt",
        instance_dir=tmp_path / "instance", keys_dir=tmp_path / "instance" / "keys",
        storage_dir=tmp_path / "instance" / "storage",
        password_hash=PasswordHashParams(time_cost=1, memory_kib=65536, parallelism=1),
        key_derivation=argon2, receipt_derivation=argon2,
    )


def test_web_app_refuses_to_start_without_keys_and_says_what_to_run(tmp_path):
    with pytest.raises(ConfigError) as error:
        create_app(production_settings(tmp_path))
    assert "meldpunt init" in str(error.value)


def test_the_command_line_starts_and_creates_the_keys(tmp_path, monkeypatch):
    settings = production_settings(tmp_path)
    monkeypatch.setenv("MELDPUNT_RECOVERY_PASSPHRASE", "a recovery passphrase for the test")
    monkeypatch.setenv("MELDPUNT_ANCHOR_PASSPHRASE", "the second custodian's passphrase")
    app = create_app(settings, for_cli=True)
    offline = tmp_path / "usb-stick"
    result = app.test_cli_runner().invoke(
        args=["keys", "init", "--recovery-out", str(offline / "recovery.offline")])
    assert result.exit_code == 0, result.output
    assert missing_key_files(settings.keys_dir) == []
    assert (offline / "recovery.offline").is_file()
    # The trust anchor (issue #19): public half in keys/, private half offline.
    assert (settings.keys_dir / "anchor.pub").is_file()
    assert (offline / "anchor-key.offline").is_file()
    assert "passphrase for the test" not in result.output
    create_app(settings)  # with its keys, the web app starts


def test_units_are_created_from_the_command_line_and_logged(app, session):
    from sqlalchemy import select

    from app.models import AuditEntry, Unit

    runner = app.test_cli_runner()
    result = runner.invoke(args=["unit", "create", "--code", "igj", "--name", "IGJ"])
    assert result.exit_code == 0 and "Created unit igj" in result.output
    again = runner.invoke(args=["unit", "create", "--code", "igj", "--name", "IGJ"])
    assert again.exit_code == 0 and "exists already" in again.output
    bad = runner.invoke(args=["unit", "create", "--code", "Bad Code!", "--name", "x"])
    assert bad.exit_code != 0
    bureau = runner.invoke(args=["unit", "create", "--code", "bureau-x", "--name", "Bureau X",
                                 "--kind", "bureau"])
    assert bureau.exit_code == 0
    assert session.scalar(select(Unit.kind).where(Unit.code == "bureau-x")) == "bureau"
    # Issue #17 defect 4: the home unit of central counsellors (seed 003).
    central = runner.invoke(args=["unit", "create", "--code", "centraal",
                                  "--name", "Centrale vertrouwenspersonen", "--kind", "central"])
    assert central.exit_code == 0, central.output
    assert session.scalar(select(Unit.kind).where(Unit.code == "centraal")) == "central"
    assert "igj" in runner.invoke(args=["unit", "list"]).output
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "admin.unit_created")) is not None
    user = runner.invoke(args=["user", "create", "--email", "a@example.nl", "--role", "intake",
                               "--unit", "igj"])
    assert user.exit_code == 0, user.output


def _fresh_init(tmp_path, monkeypatch, args, env=None):  # type: ignore[no-untyped-def]
    settings = production_settings(tmp_path)
    for name in ("MELDPUNT_RECOVERY_PASSPHRASE", "MELDPUNT_ANCHOR_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(settings, for_cli=True)
    return settings, app.test_cli_runner().invoke(args=args, env=env or {})


@pytest.mark.parametrize("command", [["init"], ["keys", "init"]])
def test_production_init_without_a_terminal_refuses_and_prints_no_passphrase(
        tmp_path, monkeypatch, command):
    """Issue #19: production init with stdin not a terminal and no
    passphrase source exits non-zero, prints no passphrase and leaves no
    recovery key on the server."""
    offline = tmp_path / "usb-stick" / "recovery.offline"
    settings, result = _fresh_init(tmp_path, monkeypatch,
                                   [*command, "--recovery-out", str(offline)])
    assert result.exit_code != 0
    assert "passphrase" in result.output.lower() and "MELDPUNT_RECOVERY_PASSPHRASE" in (
        result.output)
    assert "shown once" not in result.output
    assert not offline.exists()
    assert not (settings.keys_dir / "recovery.pub").exists()
    assert list(settings.instance_dir.rglob("*.offline")) == []


def test_production_init_needs_an_explicit_recovery_out_outside_the_app(tmp_path, monkeypatch):
    env = {"MELDPUNT_RECOVERY_PASSPHRASE": "a recovery passphrase for the test",
           "MELDPUNT_ANCHOR_PASSPHRASE": "the second custodian's passphrase"}
    settings, result = _fresh_init(tmp_path, monkeypatch, ["keys", "init"], env)
    assert result.exit_code != 0 and "--recovery-out" in result.output
    for inside in (settings.instance_dir / "recovery.offline",
                   settings.keys_dir / "recovery.offline"):
        _settings, result = _fresh_init(tmp_path, monkeypatch,
                                        ["keys", "init", "--recovery-out", str(inside)], env)
        assert result.exit_code != 0 and "outside" in result.output
        assert not inside.exists()
    assert not (settings.keys_dir / "recovery.pub").exists()


def test_production_anchor_needs_two_different_passphrases(tmp_path, monkeypatch):
    same = "one passphrase for both people"
    offline = tmp_path / "usb-stick" / "recovery.offline"
    settings, result = _fresh_init(
        tmp_path, monkeypatch, ["keys", "init", "--recovery-out", str(offline)],
        {"MELDPUNT_RECOVERY_PASSPHRASE": same, "MELDPUNT_ANCHOR_PASSPHRASE": same})
    assert result.exit_code != 0 and "differ" in result.output
    assert not (settings.keys_dir / "anchor.pub").exists()
