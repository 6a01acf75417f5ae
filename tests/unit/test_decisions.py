"""Decision tables the service evaluates itself, with SpiffWorkflow's DMN engine."""

from __future__ import annotations

import uuid

import pytest

from service.domain.alerts import ALERT_SEVERITY_DECISION, Severity
from service.domain.errors import ProcessError
from service.workflow import DecisionTables, ProcessRuntime, SourceFile
from tests.conftest import PROCESSES

TABLE = SourceFile("alert_severity.dmn", (PROCESSES / "alert_severity.dmn").read_bytes())
CATCH_ALL = b"""<rule id="rule_any">"""


def test_every_severity_has_its_own_row_and_the_catch_all_is_last():
    tables = DecisionTables()
    levels = {
        severity: tables.decide(TABLE, ALERT_SEVERITY_DECISION, {"severity": severity.value})
        for severity in Severity
    }
    assert levels == {
        Severity.CRITICAL: {"impact": "high", "urgency": "high"},
        Severity.ERROR: {"impact": "high", "urgency": "medium"},
        Severity.WARNING: {"impact": "medium", "urgency": "medium"},
        Severity.INFO: {"impact": "low", "urgency": "low"},
    }
    assert tables.decide(TABLE, ALERT_SEVERITY_DECISION, {"severity": "unheard of"}) == {
        "impact": "medium",
        "urgency": "medium",
    }


def test_without_a_matching_row_the_answer_is_empty():
    text = TABLE.content.decode()
    start = text.index(CATCH_ALL.decode())
    without_catch_all = text[:start] + text[text.index("</rule>", start) + len("</rule>") :]
    assert CATCH_ALL.decode() not in without_catch_all
    table = SourceFile("alert_severity.dmn", without_catch_all.encode())

    assert DecisionTables().decide(table, ALERT_SEVERITY_DECISION, {"severity": "bogus"}) == {}


def test_a_missing_input_or_an_unknown_decision_is_a_process_error():
    tables = DecisionTables()
    with pytest.raises(ProcessError, match="Did you mean 'level'") as missing:
        tables.decide(TABLE, ALERT_SEVERITY_DECISION, {"level": "critical"})
    assert missing.value.file == "alert_severity.dmn"
    with pytest.raises(ProcessError, match="no_such_decision"):
        tables.decide(TABLE, "no_such_decision", {"severity": "critical"})


class CountingRuntime(ProcessRuntime):
    """Counts how often the sandbox asks for a table's bytes (it asks when it has not parsed it)."""

    def __init__(self):
        super().__init__()
        self.asked = 0

    def call(self, request, blob, answer, locate=None):
        def counting(message, data):
            self.asked += 1
            return answer(message, data)

        return super().call(request, blob, counting, locate)


def test_a_table_is_parsed_once_per_content():
    runtime = CountingRuntime()
    tables = DecisionTables(runtime)
    # Bytes no other test sent: the sandbox process has not seen them yet.
    table = SourceFile(TABLE.name, TABLE.content + f"<!-- {uuid.uuid4()} -->".encode())
    assert tables.decide(table, ALERT_SEVERITY_DECISION, {"severity": "info"}) == {
        "impact": "low",
        "urgency": "low",
    }
    assert tables.decide(table, ALERT_SEVERITY_DECISION, {"severity": "error"})["impact"] == "high"
    assert runtime.asked == 1
    changed = SourceFile(TABLE.name, table.content + b"\n")
    tables.decide(changed, ALERT_SEVERITY_DECISION, {"severity": "info"})
    assert runtime.asked == 2
