"""BPMN diagrams drawn as SVG on the server, from the file's own layout.

Shapes, edges and label boxes come from the diagram interchange section
(BPMN DI) the modeler wrote; names and kinds from the model. So what a
process owner laid out is what agents see, with no JavaScript. An instance's
diagram is the same picture with classes on what has run (`completed`), what
waits (`active`), what was cut short (`cancelled`) and the flows taken, so
one stylesheet, inline here or the web pages', colours them.
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from .parsing import SourceFile, read_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SVG = "http://www.w3.org/2000/svg"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}

MARGIN = 20
EVENT_DEFINITIONS = (
    "timer",
    "message",
    "signal",
    "error",
    "escalation",
    "conditional",
    "compensate",
    "cancel",
    "link",
    "terminate",
)
STYLE = """
text { font: 12px Arial, Helvetica, sans-serif; fill: #212121; }
.body { fill: #fff; stroke: #212121; stroke-width: 2; }
.container .body { fill: none; stroke: #757575; stroke-width: 1.5; }
.end .body { stroke-width: 4; }
.call .body { stroke-width: 4; }
.non-interrupting .body { stroke-dasharray: 6 3; }
.marker { fill: none; stroke: #212121; stroke-width: 1.5; }
.marker.filled { fill: #212121; }
.completed .body { fill: #e8f5e9; stroke: #2e7d32; }
.active .body { fill: #fff3e0; stroke: #e65100; stroke-width: 4; }
.cancelled .body { stroke: #9e9e9e; stroke-dasharray: 4 3; }
.error .body { fill: #ffebee; stroke: #c62828; stroke-width: 4; }
.warning .body { fill: #fffde7; stroke: #f9a825; stroke-width: 4; stroke-dasharray: 8 3; }
.flow path { fill: none; stroke: #212121; stroke-width: 1.5; }
.flow.message path { stroke-dasharray: 8 4; }
.flow.association path { stroke-dasharray: 2 3; }
.grouping { fill: none; stroke: #5b6475; stroke-width: 1.5; stroke-dasharray: 10 4 2 4; }
.flow.taken path { stroke: #2e7d32; stroke-width: 3; }
.flow text { font-size: 11px; }
.heat-0 .body { fill: #fffde7; }
.heat-1 .body { fill: #fff59d; }
.heat-2 .body { fill: #ffcc80; }
.heat-3 .body { fill: #ff8a65; }
.heat-4 .body { fill: #e53935; }
.badge rect { fill: #263238; }
.badge text { fill: #fff; font-size: 11px; font-weight: bold; }
.added .body, .flow.added path { stroke: #2e7d32; stroke-width: 4; }
.added .body { fill: #e8f5e9; }
.removed .body, .flow.removed path { stroke: #c62828; stroke-width: 4; stroke-dasharray: 6 3; }
.removed .body { fill: #ffebee; }
.changed .body, .flow.changed path { stroke: #1565c0; stroke-width: 4; }
.changed .body { fill: #e3f2fd; }
"""


@dataclass(frozen=True)
class Shape:
    element_id: str
    kind: str  # the BPMN element's local name: userTask, startEvent, lane, ...
    name: str
    x: float
    y: float
    w: float
    h: float
    marker: str | None = None  # event definition (timer, message, ...) or gateway kind
    throwing: bool = False
    interrupting: bool = True
    horizontal: bool = True
    label: tuple[float, float, float, float] | None = None
    # A pool without a process (a "black box" partner): its name goes across it.
    black_box: bool = False


@dataclass(frozen=True)
class Edge:
    element_id: str
    kind: str
    name: str
    points: tuple[tuple[float, float], ...]
    source: str | None
    target: str | None
    default: bool = False
    conditional: bool = False
    label: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Layout:
    title: str
    shapes: tuple[Shape, ...]
    edges: tuple[Edge, ...]
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # min x, min y, max x, max y
    notes: tuple[str, ...] = field(default=())


def layout_of(source: SourceFile, process_id: str) -> Layout:
    """The drawing of `process_id` in a BPMN file (cached by content)."""
    return _layout(source.name, source.content, process_id)


@functools.lru_cache(maxsize=32)
def _layout(name: str, content: bytes, process_id: str) -> Layout:
    root = read_xml(SourceFile(name, content))
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    process = elements.get(process_id)
    title = (process.get("name") if process is not None else None) or process_id
    plane = _plane_for(root, process_id)
    if plane is None:
        return Layout(title, (), (), notes=("this file has no diagram (BPMN DI)",))
    defaults = {e.get("default") for e in elements.values() if e.get("default")}
    shapes, edges = [], []
    for item in plane:
        if not isinstance(item.tag, str):
            continue
        element = elements.get(item.get("bpmnElement") or "")
        if element is None:
            continue
        if etree.QName(item).localname == "BPMNShape":
            shape = _shape(item, element, elements)
            if shape is not None:
                shapes.append(shape)
        elif etree.QName(item).localname == "BPMNEdge":
            edge = _edge(item, element, defaults)
            if edge is not None:
                edges.append(edge)
    # Pools and lanes underneath, then everything else in file order.
    shapes.sort(key=lambda s: 0 if s.kind in ("participant", "lane") else 1)
    return Layout(title, tuple(shapes), tuple(edges), _box(shapes, edges))


def _plane_for(root, process_id: str):
    """The plane showing the process: its own, or its collaboration's."""
    participants = {
        p.get("id")
        for p in root.iterfind(".//bpmn:participant", NS)
        if p.get("processRef") == process_id
    }
    collaborations = {
        c.get("id")
        for c in root.iterfind(".//bpmn:collaboration", NS)
        if any(p.get("id") in participants for p in c.iterfind("bpmn:participant", NS))
    }
    planes = list(root.iterfind(".//bpmndi:BPMNPlane", NS))
    for plane in planes:
        if plane.get("bpmnElement") in {process_id} | collaborations:
            return plane
    return planes[0] if planes else None


def _bounds(item) -> tuple[float, float, float, float] | None:
    bounds = item.find("dc:Bounds", NS)
    if bounds is None:
        return None
    try:
        values = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
    except (TypeError, ValueError):
        return None
    return values if all(math.isfinite(v) for v in values) else None


def _shape(item, element, elements) -> Shape | None:
    box = _bounds(item)
    if box is None:
        return None
    kind = etree.QName(element).localname
    marker = None
    if kind.endswith("Event"):
        marker = next(
            (
                name
                for name in EVENT_DEFINITIONS
                if element.find(f"bpmn:{name}EventDefinition", NS) is not None
            ),
            None,
        )
    elif kind.endswith("Gateway"):
        marker = kind.removesuffix("Gateway")
    label = item.find("bpmndi:BPMNLabel", NS)
    return Shape(
        element_id=element.get("id"),
        kind=kind,
        name=_name(element, kind, elements),
        x=box[0],
        y=box[1],
        w=box[2],
        h=box[3],
        marker=marker,
        throwing=kind in ("endEvent", "intermediateThrowEvent"),
        interrupting=element.get("cancelActivity", "true") != "false"
        and element.get("isInterrupting", "true") != "false",
        horizontal=item.get("isHorizontal", "true") != "false",
        label=_bounds(label) if label is not None else None,
        black_box=kind == "participant" and not element.get("processRef"),
    )


def _name(element, kind: str, elements) -> str:
    if kind == "textAnnotation":
        # An annotation's words are its <text>, not a name.
        return (element.findtext("bpmn:text", default="", namespaces=NS) or "").strip()
    if kind == "group":
        # A group is labelled by the category value it refers to.
        value = elements.get(element.get("categoryValueRef") or "")
        return ((value.get("value") if value is not None else "") or "").strip()
    return (element.get("name") or "").strip()


def _edge(item, element, defaults) -> Edge | None:
    points = []
    for waypoint in item.iterfind("di:waypoint", NS):
        try:
            point = (float(waypoint.get("x")), float(waypoint.get("y")))
        except (TypeError, ValueError):
            return None
        if not all(math.isfinite(v) for v in point):
            return None
        points.append(point)
    if len(points) < 2:
        return None
    kind = etree.QName(element).localname
    label = item.find("bpmndi:BPMNLabel", NS)
    return Edge(
        element_id=element.get("id"),
        kind=kind,
        name=(element.get("name") or "").strip(),
        points=tuple(points),
        source=element.get("sourceRef"),
        target=element.get("targetRef"),
        default=element.get("id") in defaults,
        conditional=element.find("bpmn:conditionExpression", NS) is not None,
        label=_bounds(label) if label is not None else None,
    )


def _box(shapes: list[Shape], edges: list[Edge]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for s in shapes:
        xs += [s.x, s.x + s.w]
        ys += [s.y, s.y + s.h + (30 if _label_below(s) else 0)]
    for e in edges:
        xs += [p[0] for p in e.points]
        ys += [p[1] for p in e.points]
    if not xs:
        return (0, 0, 0, 0)
    return (min(xs), min(ys), max(xs), max(ys))


def render(
    layout: Layout,
    *,
    states: Mapping[str, str] | None = None,
    taken: Iterable[tuple[str, str]] = (),
    heat: Mapping[str, int] | None = None,
    badges: Mapping[str, str] | None = None,
    marks: Mapping[str, str] | None = None,
) -> bytes:
    """The SVG document. `states`: element id -> completed, active, cancelled,
    error or warning; `taken`: (source id, target id) of the sequence flows followed.
    `heat`: element id -> 0..4, drawn as class heat-N; `badges`: element id -> a
    short label in a corner badge (a count); `marks`: element id -> added,
    removed or changed, for shapes and flows alike (a comparison)."""
    states = dict(states or {})
    marks = marks or {}
    for element_id, level in (heat or {}).items():
        level = min(max(int(level), 0), 4)
        states[element_id] = " ".join(filter(None, (states.get(element_id), f"heat-{level}")))
    for element_id, mark in marks.items():
        states[element_id] = " ".join(filter(None, (states.get(element_id), mark)))
    taken = set(taken)
    min_x, min_y, max_x, max_y = layout.box
    width = max(max_x - min_x, 200) + 2 * MARGIN
    height = max(max_y - min_y, 40) + 2 * MARGIN
    svg = etree.Element(
        f"{{{SVG}}}svg",
        nsmap={None: SVG},
        width=_n(width),
        height=_n(height),
        viewBox=f"{_n(min_x - MARGIN)} {_n(min_y - MARGIN)} {_n(width)} {_n(height)}",
        role="img",
    )
    svg.set("aria-label", layout.title)
    _sub(svg, "title").text = layout.title
    _sub(svg, "style").text = STYLE
    _markers(_sub(svg, "defs"))
    for note in layout.notes:
        _text(svg, note, min_x, min_y + 14)
    for shape in layout.shapes:
        _draw_shape(svg, shape, states.get(shape.element_id))
    for edge in layout.edges:
        _draw_edge(svg, edge, (edge.source, edge.target) in taken, marks.get(edge.element_id))
    # Badges last, so no later shape hides them.
    for shape in layout.shapes:
        if (badges or {}).get(shape.element_id):
            _badge(svg, shape, badges[shape.element_id])
    return etree.tostring(svg, xml_declaration=True, encoding="UTF-8")


def focus(layout: Layout, states: Mapping[str, str]) -> tuple[float, float, float, float] | None:
    """Where the first waiting step lies in the drawing, as (left, top, width, height) in
    the picture's own pixels, so a page can scroll a wide diagram to it without script."""
    min_x, min_y, _, _ = layout.box
    for shape in layout.shapes:
        if states.get(shape.element_id) == "active" and shape.kind not in ("participant", "lane"):
            return (shape.x - min_x + MARGIN, shape.y - min_y + MARGIN, shape.w, shape.h)
    return None


def _sub(parent, tag: str, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SVG}}}{tag}")
    for key, value in attributes.items():
        element.set(
            key.rstrip("_").replace("_", "-"), value if isinstance(value, str) else _n(value)
        )
    return element


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _markers(defs) -> None:
    for marker_id, fill in (("arrow", "#212121"), ("arrow-taken", "#2e7d32")):
        marker = _sub(
            defs,
            "marker",
            id=marker_id,
            viewBox="0 0 10 10",
            refX=9,
            refY=5,
            markerWidth=10,
            markerHeight=10,
            markerUnits="userSpaceOnUse",
            orient="auto",
        )
        _sub(marker, "path", d="M0,0 L10,5 L0,10 z", fill=fill)
    open_arrow = _sub(
        defs, "marker", id="open-arrow", viewBox="0 0 10 10", refX=9, refY=5,
        markerWidth=10, markerHeight=10, markerUnits="userSpaceOnUse", orient="auto",
    )  # fmt: skip
    _sub(open_arrow, "path", d="M0,0 L10,5 L0,10 z", fill="#fff", stroke="#212121")


def _draw_shape(svg, shape: Shape, state: str | None) -> None:
    classes = ["shape", shape.kind]
    if shape.kind in ("participant", "lane"):
        classes.append("container")
    if shape.kind == "endEvent":
        classes.append("end")
    if shape.kind == "callActivity":
        classes.append("call")
    if shape.kind == "boundaryEvent" and not shape.interrupting:
        classes.append("non-interrupting")
    if state:
        classes.append(state)
    group = _sub(svg, "g", class_=" ".join(classes))
    group.set("data-element-id", shape.element_id)
    tooltip = shape.name or shape.element_id
    _sub(group, "title").text = f"{tooltip} ({shape.element_id})" + (f": {state}" if state else "")
    x, y, w, h = shape.x, shape.y, shape.w, shape.h
    if shape.kind in ("participant", "lane"):
        _sub(group, "rect", class_="body", x=x, y=y, width=w, height=h)
        if shape.black_box:
            _text(group, shape.name, x + w / 2, y + h / 2 + 4, anchor="middle")
        elif shape.horizontal:
            _sub(group, "line", class_="body", x1=x + 30, y1=y, x2=x + 30, y2=y + h)
            label = _sub(group, "text", x=x + 15, y=y + h / 2, text_anchor="middle")
            label.set("transform", f"rotate(-90 {_n(x + 15)} {_n(y + h / 2)})")
            label.text = shape.name
        else:
            _text(group, shape.name, x + w / 2, y + 18, anchor="middle")
    elif shape.kind.endswith("Event"):
        cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
        _sub(group, "circle", class_="body", cx=cx, cy=cy, r=r)
        if shape.kind in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
            _sub(group, "circle", class_="body", cx=cx, cy=cy, r=r - 3)
        _event_marker(group, shape.marker, cx, cy, shape.throwing)
        _label(group, shape)
    elif shape.kind.endswith("Gateway"):
        cx, cy = x + w / 2, y + h / 2
        diamond = f"{_n(cx)},{_n(y)} {_n(x + w)},{_n(cy)} {_n(cx)},{_n(y + h)} {_n(x)},{_n(cy)}"
        _sub(group, "polygon", class_="body", points=diamond)
        _gateway_marker(group, shape.marker, cx, cy)
        _label(group, shape)
    elif shape.kind == "group":
        _sub(group, "rect", class_="grouping", x=x, y=y, width=w, height=h, rx=10, ry=10)
        if shape.name:
            _text(group, shape.name, x + w / 2, y + 16, anchor="middle")
    elif shape.kind in ("textAnnotation",):
        _sub(group, "path", class_="marker", d=f"{_at(x + 10, y)} h-10 v{_n(h)} h10")
        _wrapped(group, shape.name, x + 5, y + 5, w - 5, h - 5, anchor="start")
    elif shape.kind in ("dataObjectReference", "dataStoreReference", "dataObject"):
        _sub(group, "rect", class_="body", x=x, y=y, width=w, height=h)
        _label(group, shape)
    else:
        _sub(group, "rect", class_="body", x=x, y=y, width=w, height=h, rx=10, ry=10)
        _task_marker(group, shape.kind, x, y)
        _wrapped(group, shape.name, x + w / 2, y, w - 10, h)


def _label(group, shape: Shape) -> None:
    if not shape.name:
        return
    if shape.label is not None:
        lx, ly, lw, lh = shape.label
        _wrapped(group, shape.name, lx + lw / 2, ly, max(lw, 60), max(lh, 14), top=True)
    else:
        _wrapped(group, shape.name, shape.x + shape.w / 2, shape.y + shape.h + 4, 100, 40, top=True)


def _label_below(shape: Shape) -> bool:
    return bool(shape.name) and (shape.kind.endswith("Event") or shape.kind.endswith("Gateway"))


def _text(parent, content: str, x: float, y: float, anchor: str = "start") -> None:
    text = _sub(parent, "text", x=x, y=y, text_anchor=anchor)
    text.text = content


def _wrapped(parent, content, cx, y, width, height, *, anchor="middle", top=False) -> None:
    if not content:
        return
    lines = textwrap.wrap(content, max(4, int(width / 6.5)))[:4]
    line_height = 14
    first = y + 12 if top else y + height / 2 - (len(lines) - 1) * line_height / 2 + 4
    text = _sub(parent, "text", x=cx, y=first, text_anchor=anchor)
    for index, line in enumerate(lines):
        span = _sub(text, "tspan", x=cx, dy=0 if index == 0 else line_height)
        span.text = line


def _task_marker(group, kind: str, x: float, y: float) -> None:
    mx, my = x + 8, y + 8
    if kind == "userTask":
        _sub(group, "circle", class_="marker", cx=mx + 7, cy=my + 4, r=4)
        _sub(group, "path", class_="marker", d=f"{_at(mx, my + 16)} q7,-11 14,0")
    elif kind == "scriptTask":
        _sub(group, "path", class_="marker", d=f"{_at(mx + 2, my)} h11 v16 h-11 z")
        for step in (4, 8, 12):
            _sub(group, "line", class_="marker", x1=mx + 4, y1=my + step, x2=mx + 11, y2=my + step)
    elif kind == "serviceTask":
        _sub(group, "circle", class_="marker", cx=mx + 7, cy=my + 7, r=6, stroke_dasharray="2 2")
        _sub(group, "circle", class_="marker", cx=mx + 7, cy=my + 7, r=2.5)
    elif kind == "businessRuleTask":
        _sub(group, "rect", class_="marker", x=mx, y=my, width=16, height=12)
        _sub(group, "rect", class_="marker filled", x=mx, y=my, width=16, height=3.5)
        _sub(group, "line", class_="marker", x1=mx + 5, y1=my + 3.5, x2=mx + 5, y2=my + 12)
        _sub(group, "line", class_="marker", x1=mx, y1=my + 8, x2=mx + 16, y2=my + 8)
    elif kind in ("sendTask", "receiveTask"):
        _envelope(group, mx + 8, my + 6, filled=kind == "sendTask")
    elif kind == "manualTask":
        _sub(group, "path", class_="marker", d=f"{_at(mx, my + 6)} h12 v8 h-12 z")


def _envelope(group, cx: float, cy: float, *, filled: bool) -> None:
    body = _sub(group, "rect", class_="marker", x=cx - 8, y=cy - 5.5, width=16, height=11)
    flap = _sub(group, "path", class_="marker", d=f"{_at(cx - 8, cy - 5.5)} l8,6 l8,-6")
    if filled:
        body.set("class", "marker filled")
        flap.set("stroke", "#fff")


def _event_marker(group, marker: str | None, cx: float, cy: float, throwing: bool) -> None:
    filled = "marker filled" if throwing else "marker"
    if marker == "timer":
        _sub(group, "circle", class_="marker", cx=cx, cy=cy, r=10)
        _sub(
            group,
            "path",
            class_="marker",
            d=f"{_at(cx, cy - 7)} v7 l5,3",
        )
    elif marker == "message":
        _envelope(group, cx, cy, filled=throwing)
    elif marker == "signal":
        _sub(group, "path", class_=filled, d=f"{_at(cx, cy - 9)} l8,14 h-16 z")
    elif marker == "error":
        _sub(
            group,
            "path",
            class_=filled,
            d=f"{_at(cx - 8, cy + 8)} l4,-14 l5,8 l7,-10 l-4,14 l-5,-8 z",
        )
    elif marker == "escalation":
        _sub(group, "path", class_=filled, d=f"{_at(cx, cy - 9)} l7,16 l-7,-6 l-7,6 z")
    elif marker == "terminate":
        _sub(group, "circle", class_="marker filled", cx=cx, cy=cy, r=10)
    elif marker == "conditional":
        _sub(group, "rect", class_="marker", x=cx - 7, y=cy - 9, width=14, height=18)
    elif marker is not None:
        _sub(group, "circle", class_=filled, cx=cx, cy=cy, r=4)


def _gateway_marker(group, marker: str | None, cx: float, cy: float) -> None:
    if marker == "exclusive":
        d = f"{_at(cx - 7, cy - 9)} l14,18 m0,-18 l-14,18"
        _sub(group, "path", class_="marker", stroke_width=3, d=d)
    elif marker == "parallel":
        _sub(
            group, "path", class_="marker", stroke_width=3, d=f"{_at(cx, cy - 11)} v22 m-11,-11 h22"
        )
    elif marker == "inclusive":
        _sub(group, "circle", class_="marker", stroke_width=2.5, cx=cx, cy=cy, r=10)
    elif marker == "eventBased":
        _sub(group, "circle", class_="marker", cx=cx, cy=cy, r=11)
        _sub(group, "path", class_="marker", d=f"{_at(cx, cy - 7)} l7,5 l-3,8 h-8 l-3,-8 z")
    elif marker == "complex":
        d = f"{_at(cx, cy - 10)} v20 m-10,-10 h20 m-17,-7 l14,14 m0,-14 l-14,14"
        _sub(group, "path", class_="marker", stroke_width=3, d=d)


def _at(x: float, y: float) -> str:
    """A path's move-to: markers are drawn from there in relative steps."""
    return f"M{_n(x)},{_n(y)}"


def _badge(svg, shape: Shape, label: str) -> None:
    width = 8 + 7 * len(label)
    group = _sub(svg, "g", class_="badge")
    group.set("data-badge-for", shape.element_id)
    x, y = shape.x + shape.w - width / 2, shape.y - 9
    _sub(group, "rect", x=x, y=y, width=width, height=18, rx=9, ry=9)
    _text(group, label, x + width / 2, y + 13, anchor="middle")


def _draw_edge(svg, edge: Edge, taken: bool, mark: str | None = None) -> None:
    kind = {"messageFlow": "message", "association": "association"}.get(edge.kind, "sequence")
    classes = f"flow {kind}" + (" taken" if taken else "") + (f" {mark}" if mark else "")
    group = _sub(svg, "g", class_=classes)
    group.set("data-element-id", edge.element_id)
    _sub(group, "title").text = edge.name or edge.element_id
    d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in edge.points)
    path = _sub(group, "path", d=d)
    if kind == "sequence":
        path.set("marker-end", "url(#arrow-taken)" if taken else "url(#arrow)")
    elif kind == "message":
        path.set("marker-end", "url(#open-arrow)")
    (x0, y0), (x1, y1) = edge.points[0], edge.points[1]
    length = math.hypot(x1 - x0, y1 - y0) or 1
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    if edge.default:
        # A slash across the start of the flow.
        sx, sy = x0 + ux * 10, y0 + uy * 10
        _sub(group, "line", class_="marker", x1=sx - uy * 6 - ux * 3, y1=sy + ux * 6 - uy * 3,
             x2=sx + uy * 6 + ux * 3, y2=sy - ux * 6 + uy * 3)  # fmt: skip
    if edge.name:
        if edge.label is not None:
            lx, ly, lw, lh = edge.label
            _wrapped(group, edge.name, lx + lw / 2, ly, max(lw, 60), max(lh, 14), top=True)
        else:
            mid = edge.points[len(edge.points) // 2 - 1]
            _text(group, edge.name, mid[0] + 4, mid[1] - 4)
