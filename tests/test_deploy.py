"""deploy/: the image, the compose file and the systemd units, checked as far as this
machine can (no image is built here: that needs the network and minutes)."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from service import settings_file

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = {
    "incident-desk.service": "serve",
    "incident-desk-worker.service": "worker",
}


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    joined = dockerfile.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_runs_as_a_user_that_is_not_root_and_checks_its_health():
    steps = _instructions(DEPLOY / "Dockerfile")
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [value for kind, value in steps if kind == "USER"]
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    [health] = [value for kind, value in steps if kind == "HEALTHCHECK"]
    assert "/health" in health
    [entrypoint] = [value for kind, value in steps if kind == "ENTRYPOINT"]
    assert entrypoint == '["incident-desk"]'
    for kind, value in steps:
        if kind == "COPY":
            *sources, _target = value.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_runs_postgres_the_app_its_worker_and_the_tested_proxy():
    services = _compose()["services"]
    assert set(services) == {"postgres", "app", "worker", "nginx"}
    app, worker, nginx = services["app"], services["worker"], services["nginx"]
    assert app["image"] == worker["image"]
    assert app["command"][0] == "serve" and worker["command"] == ["worker"]
    for service in (app, worker):
        url = service["environment"]["INCIDENT_DESK_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (DEPLOY / app["build"]["context"] / app["build"]["dockerfile"]).is_file()
    assert (DEPLOY / app["env_file"]).with_suffix(".env.example").is_file()
    # The proxy's file is the one tests/test_serving.py runs in a real nginx.
    mounts = [volume.split(":") for volume in nginx["volumes"]]
    assert ["./nginx.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounts
    assert nginx["network_mode"] == "service:app"


def _docker_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    found = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return found.returncode == 0


@pytest.mark.skipif(not _docker_compose(), reason="needs docker with the compose plugin")
def test_docker_compose_accepts_the_compose_file(tmp_path):
    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY, folder)
    shutil.copy(folder / "desk.env.example", folder / "desk.env")
    (folder / ".env").write_text("POSTGRES_PASSWORD=only-for-the-test\n")
    checked = subprocess.run(
        ["docker", "compose", "-f", str(folder / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


@pytest.mark.parametrize("name", UNITS)
def test_the_units_run_the_desk_as_its_own_user_in_a_read_only_system(name):
    unit = _unit(name)
    service = unit["Service"]
    assert service["User"] not in ("root", "0") and not service["User"].isdigit()
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/bin/incident-desk") and command[1] == UNITS[name]
    assert service["EnvironmentFile"] == str(settings_file.SYSTEM_FILE)
    assert service["WorkingDirectory"] == "/var/lib/incident-desk"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/incident-desk"
    assert service["ProtectHome"] == "yes" and service["PrivateTmp"] == "yes"
    assert service["CapabilityBoundingSet"] == ""
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("name", UNITS)
def test_systemd_verifies_the_units(name, tmp_path):
    # verify wants the program to exist: the one installed in this virtualenv stands in.
    here = Path(sys.executable).parent / "incident-desk"
    text = (DEPLOY / "systemd" / name).read_text()
    (tmp_path / name).write_text(text.replace("/opt/incident-desk/bin/incident-desk", str(here)))
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    ours = [line for line in checked.stderr.splitlines() if name in line]
    assert checked.returncode == 0 and ours == [], checked.stderr
