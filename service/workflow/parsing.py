"""BPMN and DMN files in, executable process specs out.

XML is read with entity resolution and network access off and DOCTYPEs refused,
because whoever uploads a file must not be able to read the server's files or
make it fetch URLs. Every failure, not only SpiffWorkflow's validation errors,
becomes a `ProcessDefinitionError` naming the file, the element and the line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..domain.errors import ProcessDefinitionError

MAX_FILE_BYTES = 5 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_SUFFIX = ".dmn"
BPMN_SUFFIX = ".bpmn"


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ParsedProcess:
    """One executable process and everything it needs to run."""

    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    # The BPMN and DMN files it is built from, and the form files its tasks name.
    files: tuple[str, ...]
    forms: tuple[str, ...]
    # element id -> (file name, line), so run-time errors can point into the source
    locations: dict[str, tuple[str, int]] = field(default_factory=dict)


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def read_xml(source: SourceFile) -> etree._Element:
    if len(source.content) > MAX_FILE_BYTES:
        raise ProcessDefinitionError(
            f"file is larger than {MAX_FILE_BYTES} bytes", file=source.name
        )
    try:
        root = etree.fromstring(source.content, parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ProcessDefinitionError(
            f"not well-formed XML: {exc.msg}", file=source.name, line=exc.lineno
        ) from None
    if root.getroottree().docinfo.doctype:
        raise ProcessDefinitionError(
            "DOCTYPE declarations are not allowed", file=source.name, line=1
        )
    return root


def defines_process(name: str, content: bytes, process_id: str) -> bool:
    root = read_xml(SourceFile(name, content))
    return any(p.get("id") == process_id for p in root.iterfind(f".//{{{BPMN_NS}}}process"))


def content_hash(files: Iterable[SourceFile]) -> str:
    """A hash over names and bytes: the identity of a set of source files."""
    digest = hashlib.sha256()
    for source in sorted(files, key=lambda f: f.name):
        digest.update(f"{source.name}\0{source.sha256}\n".encode())
    return digest.hexdigest()


def parse_sources(sources: Iterable[SourceFile]) -> dict[str, ParsedProcess]:
    """Parse every BPMN and DMN file together; return each executable process."""
    sources = list(sources)
    roots = {source.name: read_xml(source) for source in sources}
    parser = SpiffBpmnParser(validator=VALIDATOR)
    # The file being read, for the errors SpiffWorkflow raises without naming one.
    current: str | None = None
    try:
        for name, root in roots.items():
            if name.lower().endswith(DMN_SUFFIX):
                current = name
                parser.add_dmn_xml(root, filename=name)
        for name, root in roots.items():
            if name.lower().endswith(BPMN_SUFFIX):
                current = name
                parser.add_bpmn_xml(root, filename=name)
        parsed = {}
        for process_id in parser.get_process_ids():
            current = parser.get_process_parser(process_id).filename
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
            files = _dependencies(parser, spec, subprocess_specs)
            parsed[process_id] = ParsedProcess(
                process_id=process_id,
                name=spec.description or process_id,
                spec=spec,
                subprocess_specs=subprocess_specs,
                files=tuple(sorted(files)),
                forms=tuple(sorted(_forms(spec, subprocess_specs))),
                locations=_locations({f: roots[f] for f in files}),
            )
        return parsed
    except ProcessDefinitionError:
        raise
    except ValidationException as exc:
        raise _from_validation(exc, roots, current) from None
    except Exception as exc:
        # SpiffWorkflow raises bare KeyErrors, AttributeErrors and lxml errors for
        # some malformed files; none of them may escape as a server error.
        raise ProcessDefinitionError(
            f"cannot parse the process files: {exc!r}", file=current
        ) from None


def _dependencies(parser, spec, subprocess_specs) -> set[str]:
    files: set[str] = set()
    for each in (spec, *[s for s in subprocess_specs.values() if s is not None]):
        files.add(parser.get_process_parser(each.name).filename)
        for task_spec in each.task_specs.values():
            decision_id = getattr(task_spec, "extensions", {}).get("calledDecisionId")
            if decision_id:
                files.add(parser.dmn_parsers[decision_id].filename)
    return files


_DIAGRAM_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
)


def _forms(spec, subprocess_specs) -> set[str]:
    names = set()
    for each in (spec, *[s for s in subprocess_specs.values() if s is not None]):
        for task_spec in each.task_specs.values():
            properties = getattr(task_spec, "extensions", {}).get("properties", {})
            names.update(
                value
                for key, value in properties.items()
                if key in ("formJsonSchemaFilename", "formUiSchemaFilename") and value
            )
    return names


def _locations(roots: dict[str, etree._Element]) -> dict[str, tuple[str, int]]:
    found = {}
    for name, root in roots.items():
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            if etree.QName(element).namespace in _DIAGRAM_NAMESPACES:
                continue
            element_id = element.get("id")
            if element_id and element.sourceline and element_id not in found:
                found[element_id] = (name, element.sourceline)
    return found


def _from_validation(exc: ValidationException, roots, current) -> ProcessDefinitionError:
    file = exc.file_name or current
    element_id = exc.id or None
    line = exc.line_number if isinstance(exc.line_number, int) else None
    if line is None and element_id:
        # SpiffWorkflow leaves line_number empty for parser errors; find the element,
        # in the file being read first.
        for name, root in sorted(roots.items(), key=lambda item: item[0] != file):
            if exc.file_name and name != exc.file_name:
                continue
            matches = root.xpath("//*[@id=$id]", id=element_id)
            if matches:
                file, line = name, matches[0].sourceline
                break
    message = str(exc).strip() or exc.__class__.__name__
    return ProcessDefinitionError(message, element_id=element_id, file=file, line=line)
