"""docker-compose.yml cannot run on the development machines (no Docker engine), so its
promises are checked here: every hanchot service runs a command the CLI has, every
variable it sets is one the settings read, and every image is pinned."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from ruamel.yaml import YAML

from hanchot.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _hanchot_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in _compose()["services"].items() if s.get("build") == "."}


class RecordingEnv(dict[str, str]):
    """An empty environment that remembers every variable asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


def _variables_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    from hanchot.settings import Settings
    from notifier.settings import NotifierSettings
    from store import db
    from web.settings import WebSettings

    env = RecordingEnv()
    env["HANCHOT_DATA_DIR"] = str(tmp_path)
    monkeypatch.setattr(os, "environ", env)
    Settings.from_env()
    NotifierSettings.from_env(env)
    WebSettings.from_env(env)
    db.database_url()
    return env.asked


def test_every_image_is_pinned() -> None:
    for name, service in _compose()["services"].items():
        image = service.get("image", "")
        assert image, f"{name} has no image"
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: {image} is not pinned"
        assert re.search(r"\d", tag), f"{name}: {image} has no version in its tag"


def test_every_command_exists_in_the_cli() -> None:
    group = typer.main.get_command(app)  # typer's own click: check by behaviour, not class
    assert hasattr(group, "get_command")
    services = _hanchot_services()
    assert {"migrate", "worker", "notify", "bot", "web"} <= set(services)
    for name, service in services.items():
        args = list(service["command"])
        ctx = group.make_context("hanchot", list(args), resilient_parsing=True)
        command = group.get_command(ctx, args[0])
        assert command is not None, f"{name}: hanchot {args[0]} does not exist"
        if hasattr(command, "list_commands"):
            assert command.get_command(ctx, args[1]) is not None, f"{name}: {args}"
        else:
            options = {o for p in command.params for o in getattr(p, "opts", [])}
            for arg in args[1:]:
                if arg.startswith("--"):
                    assert arg in options, f"{name}: hanchot {args[0]} has no {arg}"


def test_every_variable_set_is_read_by_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = _variables_read(tmp_path, monkeypatch)
    for name, service in _hanchot_services().items():
        for var in service["environment"]:
            assert var in read, f"{name} sets {var}, which no setting reads"


def test_secrets_come_from_files_and_data_has_a_volume() -> None:
    compose = _compose()
    for name, service in _hanchot_services().items():
        env = service["environment"]
        assert not any(k.endswith(("PASSWORD", "TOKEN", "SECRET")) for k in env), name
        for secret_file in [v for k, v in env.items() if k.endswith("_FILE")]:
            secret = Path(secret_file).name
            assert secret in service["secrets"], f"{name}: {secret} not mounted"
            assert secret in compose["secrets"]
        assert any(v.startswith("hanchot-data:/var/lib/hanchot") for v in service["volumes"])
    assert "hanchot-data" in compose["volumes"]


def test_the_database_password_lives_only_in_its_secret_file() -> None:
    """One file, `secrets/postgres_password`, is the password for PostgreSQL itself, for
    Temporal's schema set-up and server, and for every hanchot process: no URL or variable
    carries it, so changing it is changing that file."""
    from sqlalchemy.engine import make_url

    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD:" not in text and "${POSTGRES_PASSWORD" not in text
    services = _compose()["services"]
    secret = "/run/secrets/postgres_password"
    assert services["postgresql"]["environment"]["POSTGRES_PASSWORD_FILE"] == secret
    assert "postgres_password" in services["postgresql"]["secrets"]
    temporal = services["temporal"]
    assert "POSTGRES_PWD" not in temporal["environment"]
    assert "postgres_password" in temporal["secrets"]
    assert secret in " ".join(temporal["entrypoint"])
    assert "exec /etc/temporal/entrypoint.sh autosetup" in temporal["entrypoint"][-1]
    for name, service in _hanchot_services().items():
        env = service["environment"]
        assert make_url(env["HANCHOT_DATABASE_URL"]).password is None, name
        assert env["HANCHOT_DATABASE_PASSWORD_FILE"] == secret, name


def test_health_checks_on_the_servers() -> None:
    services = _compose()["services"]
    for name in ("postgresql", "temporal", "mailpit", "web"):
        assert services[name]["healthcheck"]["test"], name


def test_metrics_addresses_parse_and_their_ports_are_exposed() -> None:
    from hanchot.metrics import parse_address

    served = 0
    for name, service in _hanchot_services().items():
        env = service["environment"]
        exposed = {str(p) for p in service.get("expose", [])}
        for var in ("HANCHOT_METRICS_ADDRESS", "HANCHOT_TEMPORAL_METRICS_ADDRESS"):
            if var in env:
                where = parse_address(var, env[var])
                assert where is not None, f"{name}: {var} is empty"
                assert str(where[1]) in exposed, f"{name}: port of {var} not exposed"
                served += 1
        assert env.get("HANCHOT_LOG_FORMAT") in ("json", "text"), name
    assert served >= 5  # worker and notify: both endpoints; bot: its own


def test_the_image_runs_as_the_uid_the_readme_names() -> None:
    """README tells operators to `chown 10001` a backup directory and to make the secret
    files readable to the container's user: the image must keep that uid, and not root."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"useradd [^\n]*--uid 10001 [^\n]* hanchot \\\n", dockerfile)
    assert re.search(r"^USER hanchot$", dockerfile, re.M)
    assert "chown 10001" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_replicas_of_what_may_run_several_times() -> None:
    """Workers, notifiers and bots run several (the single jobs among them hold a lease,
    `notifier.leader`); the migration runs once."""
    services = _hanchot_services()
    for name in ("worker", "notify", "bot"):
        assert services[name].get("deploy", {}).get("replicas", 1) >= 2, name
    assert services["migrate"].get("deploy", {}).get("replicas", 1) == 1
