"""Small BPMN and DMN models that put one piece of process-owner text in one place.

Every place SpiffWorkflow evaluates text gets a model here, whose element
`probe` holds the text and whose user task `wait` is reached when the text
ran. The sandbox tests run an escape corpus in each place, and a harmless
text too, to show the model itself works.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from service.workflow import SourceFile

_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="probe_definitions" targetNamespace="http://incident-desk.org/bpmn">
  {messages}
  <bpmn:process id="{process_id}" name="Probe" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_probe</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_probe" sourceRef="start" targetRef="probe" />
    {probe}
    <bpmn:sequenceFlow id="to_wait" sourceRef="probe" targetRef="wait">{condition}
    </bpmn:sequenceFlow>
    <bpmn:userTask id="wait" name="Wait"><bpmn:outgoing>to_end</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="to_end" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
    {extra}
  </bpmn:process>
</bpmn:definitions>
"""

_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    id="probe_decisions" name="Probe" namespace="http://incident-desk.org/dmn">
  <decision id="probe_table" name="Probe table">
    <decisionTable id="probe_decision_table" hitPolicy="UNIQUE">
      <input id="probe_input" label="Input">
        <inputExpression id="probe_input_expression" typeRef="string">
          <text>{input}</text>
        </inputExpression>
      </input>
      <output id="probe_output" label="Outcome" name="outcome" typeRef="string" />
      <rule id="probe_rule">
        <inputEntry id="probe_rule_in"><text>{entry}</text></inputEntry>
        <outputEntry id="probe_rule_out"><text>{output}</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


@dataclass(frozen=True)
class Place:
    name: str
    script: bool  # the text is a script (exec), not an expression (eval)
    harmless: str  # a text that runs and lets the instance reach `wait`

    def files(self, text: str, process_id: str = "probe_process") -> list[SourceFile]:
        """The model with `text` in this place."""
        t = escape(text)
        parts = {"messages": "", "condition": "", "extra": "", "probe": ""}
        dmn = None
        if self.name == "script task":
            parts["probe"] = _script_task(t)
        elif self.name in ("pre-script", "post-script"):
            # A decision task: SpiffWorkflow runs pre- and post-scripts around it
            # (not around a script task), and it needs no host.
            hook = "preScript" if self.name == "pre-script" else "postScript"
            parts["probe"] = (
                '<bpmn:businessRuleTask id="probe"><bpmn:extensionElements>'
                "<spiffworkflow:calledDecisionId>probe_table</spiffworkflow:calledDecisionId>"
                f"<spiffworkflow:{hook}>{t}</spiffworkflow:{hook}>"
                "</bpmn:extensionElements></bpmn:businessRuleTask>"
            )
            dmn = _table({})
        elif self.name == "gateway condition":
            parts["probe"] = '<bpmn:exclusiveGateway id="probe" default="to_end_direct" />'
            parts["condition"] = (
                f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{t}'
                "</bpmn:conditionExpression>"
            )
            parts["extra"] = (
                '<bpmn:sequenceFlow id="to_end_direct" sourceRef="probe" targetRef="end" />'
            )
        elif self.name in ("timer date", "timer duration"):
            kind = "timeDate" if self.name == "timer date" else "timeDuration"
            parts["probe"] = (
                '<bpmn:intermediateCatchEvent id="probe"><bpmn:timerEventDefinition '
                f'id="probe_timer"><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{t}'
                f"</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            )
        elif self.name == "service task parameter":
            parts["probe"] = (
                '<bpmn:serviceTask id="probe"><bpmn:extensionElements>'
                '<spiffworkflow:serviceTaskOperator id="sla_event" resultVariable="answer">'
                '<spiffworkflow:parameters><spiffworkflow:parameter id="event" type="str" '
                f'value="{t}" /></spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>'
                "</bpmn:extensionElements></bpmn:serviceTask>"
            )
        elif self.name.startswith("decision"):
            parts["probe"] = (
                '<bpmn:businessRuleTask id="probe"><bpmn:extensionElements>'
                "<spiffworkflow:calledDecisionId>probe_table</spiffworkflow:calledDecisionId>"
                "</bpmn:extensionElements></bpmn:businessRuleTask>"
            )
            dmn = _table({self.name.split()[-1]: t})
        elif self.name == "multi-instance cardinality":
            parts["probe"] = (
                '<bpmn:scriptTask id="probe"><bpmn:multiInstanceLoopCharacteristics '
                'isSequential="true"><bpmn:loopCardinality>'
                f"{t}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
                "<bpmn:script>ran = True</bpmn:script></bpmn:scriptTask>"
            )
        elif self.name == "message payload":
            parts["messages"] = '<bpmn:message id="probe_message" name="probe_message" />'
            parts["probe"] = (
                '<bpmn:intermediateThrowEvent id="probe"><bpmn:messageEventDefinition '
                'id="probe_send" messageRef="probe_message"><bpmn:extensionElements>'
                f"<spiffworkflow:messagePayload>{t}</spiffworkflow:messagePayload>"
                "</bpmn:extensionElements></bpmn:messageEventDefinition>"
                "</bpmn:intermediateThrowEvent>"
            )
        else:
            raise ValueError(self.name)
        bpmn = SourceFile("probe.bpmn", _BPMN.format(process_id=process_id, **parts).encode())
        return [bpmn] + ([dmn] if dmn else [])


def _table(cells: dict[str, str]) -> SourceFile:
    """The probe table; the input is read only when an entry tests it, so one does."""
    cells = {"input": "severity", "entry": "'high'", "output": '"ok"', **cells}
    return SourceFile("probe.dmn", _DMN.format(**cells).encode())


def _script_task(script: str) -> str:
    return (
        f'<bpmn:scriptTask id="probe" name="Probe"><bpmn:script>{script}</bpmn:script>'
        "</bpmn:scriptTask>"
    )


PLACES = [
    Place("script task", True, "ran = True"),
    Place("pre-script", True, "before = 1"),
    Place("post-script", True, "after = 1"),
    Place("gateway condition", False, "severity == 'high'"),
    Place("timer date", False, "'2026-03-02T09:00:00+00:00'"),
    Place("timer duration", False, "'PT0S'"),
    Place("service task parameter", False, "'warning'"),
    Place("decision input", False, "severity"),
    Place("decision entry", False, "'high'"),
    Place("decision output", False, "'ok'"),
    Place("multi-instance cardinality", False, "2"),
    Place("message payload", False, "{'severity': severity}"),
]

# SpiffWorkflow's own test model call_activity_level_3 in a few lines: a process
# whose call activity calls the process itself.
CALLS_ITSELF = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="l3"
    targetNamespace="http://incident-desk.org/bpmn">
  <bpmn:process id="Level3" isExecutable="true">
    <bpmn:startEvent id="l3_start"><bpmn:outgoing>l3_f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="l3_f1" sourceRef="l3_start" targetRef="l3_again" />
    <bpmn:callActivity id="l3_again" name="Again" calledElement="Level3" />
    <bpmn:sequenceFlow id="l3_f2" sourceRef="l3_again" targetRef="l3_end" />
    <bpmn:endEvent id="l3_end" />
  </bpmn:process>
</bpmn:definitions>
"""


# A script and a gateway that send the token round and round, with nothing to wait for.
LOOP_WITHOUT_WAIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d"
    targetNamespace="http://incident-desk.org/bpmn">
  <bpmn:process id="spin" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:scriptTask id="count"><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again" />
    <bpmn:exclusiveGateway id="again" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="count">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


# Expressions that try to reach past the data, each by another route.
ESCAPE_EXPRESSIONS = {
    "generator frame": (
        "[(x for x in [1])][0].gi_frame.f_back.f_globals['__builtins__']['__import__']('os')"
    ),
    "format string through a subscript call": (
        "['{0.__globals__[json].codecs.sys.modules[flask].current_app.secret_key}'.format][0]"
        "(sla_due)"
    ),
    "function globals without underscores": "[sla_due][0].func_globals",
    "import": "__import__('os').system('id')",
    "type of a value": "[x for x in [().__class__.__bases__]]",
}
# Scripts only: statements an expression cannot hold.
ESCAPE_SCRIPTS = {
    "generator function": "def f():\n    yield 1\ng = f()\nframe = g.gi_frame",
    "decorator": "@sla_due\ndef f():\n    pass",
    "class": "class A:\n    pass\nk = A.__subclasses__()",
    "import statement": "import os\nk = os.environ",
}
