"""The README documents every setting and the commands it promises."""

from __future__ import annotations

from service.config import describe
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table():
    for variable, _default, _meaning in describe():
        assert f"| `{variable}` |" in README, variable


def test_the_readme_gives_the_install_and_test_commands():
    assert ".venv/bin/pip install -e . && .venv/bin/incident-desk serve" in README
    assert ".venv/bin/pip install -e '.[test]' && .venv/bin/pytest" in README
    assert "README" in (ROOT / ".ci" / "run").read_text()
