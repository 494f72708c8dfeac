"""Application logs never carry personal data; configuration is typed and validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from ssd_gateway.logs import configure_logging, get_logger
from ssd_gateway.settings import load_settings


def test_cpr_in_a_log_value_is_masked(tmp_path: Path) -> None:
    """A CPR number passed by mistake in any value is masked before the line is written."""
    log_file = tmp_path / "app.log"
    configure_logging(log_file=log_file)
    get_logger("test").info("sent", transfer_id="t-1", error="bad 020315-4321 and 0203154321")
    line = json.loads(log_file.read_text().splitlines()[-1])
    assert line["transfer_id"] == "t-1"
    assert "4321" not in line["error"]


def test_free_text_keys_are_dropped(tmp_path: Path) -> None:
    """Keys that carry names or message text are replaced, whatever their value."""
    log_file = tmp_path / "app.log"
    configure_logging(log_file=log_file)
    get_logger("test").info("x", name="Hans Hansen", text="mor slår", transfer_id="t-2")
    raw = log_file.read_text()
    assert "Hans" not in raw and "slår" not in raw and "t-2" in raw


def test_settings_from_toml_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TOML file sets values; an SSD_ environment variable overrides the file."""
    config = tmp_path / "gateway.toml"
    config.write_text('rule_pack = "dk-sel-2011"\n[organisation]\norg_id = "skole-valby"\n'
                      '[delivery]\nmax_attempts = 3\n')
    monkeypatch.setenv("SSD_DELIVERY__MAX_ATTEMPTS", "5")
    settings = load_settings(config)
    assert settings.organisation.org_id == "skole-valby"
    assert settings.delivery.max_attempts == 5


def test_unknown_setting_is_an_error_with_its_path(tmp_path: Path) -> None:
    """A misspelt key in gateway.toml stops the command with the key named."""
    config = tmp_path / "gateway.toml"
    config.write_text("[delivery]\nmax_atempts = 3\n")
    result = CliRunner().invoke(build(), ["config", "show", "--config", str(config)])
    assert result.exit_code == 2
    assert "max_atempts" in result.output


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    """config show prints the effective settings without the audit secret or DB password."""
    config = tmp_path / "gateway.toml"
    config.write_text('audit_secret = "s3cret-value"\n'
                      'database_url = "postgresql://gw:pw123@db.local/gw"\n')
    result = CliRunner().invoke(build(), ["config", "show", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "s3cret-value" not in result.output and "pw123" not in result.output
    assert json.loads(result.output)["database_url"] == "postgresql://gw:***@db.local/gw"
