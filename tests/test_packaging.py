"""The wheel carries the process and form folders, and finds them when installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import FORMS, PROCESSES, ROOT


def test_the_wheel_bundles_processes_and_forms(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("incident_desk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, target in ((PROCESSES, "processes"), (FORMS, "forms")):
        # The calendars folder beside the processes too.
        for path in (p for p in folder.rglob("*") if p.is_file()):
            assert f"service/_bundled/{target}/{path.relative_to(folder).as_posix()}" in names
    assert "service/migrations/versions/0001_initial.py" in names
    assert "service/migrations/env.py" in names
    assert "service/migrations/script.py.mako" in names
    # The notification rules and mail templates ship with the code that reads them.
    assert "service/notify/rules.json" in names
    for template in (ROOT / "service" / "notify" / "templates").glob("*.j2"):
        assert f"service/notify/templates/{template.name}" in names
    # The catalogs, compiled: an installed desk speaks Greek without build tools.
    for language in ("el", "en"):
        for suffix in ("po", "mo"):
            assert f"service/translations/{language}/LC_MESSAGES/messages.{suffix}" in names

    # Installed from the wheel (no repository around it), the defaults find the bundle.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "from service.config import Settings; s = Settings();"
        "print(s.processes_dir); print(s.forms_dir);"
        "assert (s.processes_dir / 'incident.bpmn').is_file();"
        "assert (s.forms_dir / 'triage-schema.json').is_file();"
        "from service.translations import catalog;"
        "assert catalog('el').gettext('Sign in') == 'Σύνδεση'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout
