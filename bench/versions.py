"""Benchmark: deploying process files and moving running incidents between versions.

On a SQLite file in a temporary folder, through the service layer (no HTTP):

    deploy    Every round builds a fresh application (nothing parsed or cached
              in memory) on a fresh database and times, in this order:
                cold      the shipped processes/ and forms/ into the empty
                          database: read, every check, SpiffWorkflow's parse,
                          stored;
                no-op     the same files again (checked again, nothing stored);
                changed   sla.dmn with one target changed: a new version of
                          the incident process and of the decision;
                modeler   apart, the modeler check alone (bpmnlint and
                          bpmn-moddle in Node) on the two shipped BPMN files,
                          uncached; skipped without Node.
    migrate   --incidents incidents, each triaged (waiting at L1 diagnosis with
              its SLA timers armed), on version 1; then sla.dmn changes
              (version 2) and every incident is moved with a dry run, then for
              real. Per instance: milliseconds (median over the instances), and
              the ratio to completing the triage task of an incident, a write
              transaction on one instance measured in the same process.

Medians over --rounds rounds. Nothing is asserted about the timings.

    .venv/bin/python bench/versions.py
    .venv/bin/python bench/versions.py --rounds 3 --incidents 50      # quicker
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bounds  # noqa: E402

from service.config import Settings  # noqa: E402
from service.domain.access import Principal  # noqa: E402
from service.modeler import ModelerCheck, default_tool_dir  # noqa: E402
from service.services import deployments, incidents, migrations, tasks, users  # noqa: E402
from service.services.context import build_services  # noqa: E402
from service.workflow import SourceFile  # noqa: E402

PROCESSES, FORMS = ROOT / "processes", ROOT / "forms"
SLA = (PROCESSES / "sla.dmn").read_bytes()
SLA_CHANGED = SLA.replace(
    b'<outputEntry id="rule_P3_resolution"><text>"PT24H"</text>',
    b'<outputEntry id="rule_P3_resolution"><text>"PT12H"</text>',
)
TRIAGE = {"kind": "incident", "category": "email", "impact": "medium", "urgency": "medium"}


def fresh_services(folder: Path, name: str):
    settings = Settings(database_url=f"sqlite:///{folder / name}.sqlite3", modeler_check=False)
    svc = build_services(settings)
    svc.db.upgrade()
    return svc


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def deploy_round(folder: Path, index: int) -> dict[str, float]:
    svc = fresh_services(folder, f"deploy-{index}")
    try:
        cold, first = timed(lambda: deployments.deploy_paths(svc, [PROCESSES, FORMS], actor="b"))
        noop, again = timed(lambda: deployments.deploy_paths(svc, [PROCESSES, FORMS], actor="b"))
        changed, third = timed(
            lambda: deployments.deploy(svc, [SourceFile("sla.dmn", SLA_CHANGED)], actor="b")
        )
        assert first.changed and not again.changed and third.changed
        times = {"cold": cold, "no-op": noop, "changed": changed}
        check = ModelerCheck(default_tool_dir())
        if check.available:
            bpmn = deployments.read_paths([PROCESSES])
            times["modeler"], problems = timed(lambda: check.check(bpmn))
            assert problems == [], problems
        return times
    finally:
        svc.close()


def principal(svc, name: str) -> Principal:
    return users.authenticate(svc, users.create_token(svc, name)[1])


def migrate_round(folder: Path, index: int, count: int) -> dict[str, float]:
    svc = fresh_services(folder, f"migrate-{index}")
    try:
        deployments.deploy_paths(svc, [PROCESSES, FORMS], actor="b")
        users.add_user(svc, "rita", display_name="Rita", contact="rita@example.org")
        users.add_user(svc, "alice", groups=["L1"])
        users.add_user(svc, "olga", groups=["process-owner"])
        rita, alice, olga = (principal(svc, n) for n in ("rita", "alice", "olga"))
        triage_times = []
        for i in range(count):
            view, _ = incidents.open_incident(
                svc, rita, incidents.OpenIncident(title=f"Bench {i}", description="bench")
            )
            [task] = view.open_tasks
            seconds, _ = timed(lambda task=task: tasks.complete_task(svc, alice, task.id, TRIAGE))
            triage_times.append(seconds)
        deployments.deploy(svc, [SourceFile("sla.dmn", SLA_CHANGED)], actor="b")

        def move(dry_run: bool):
            return migrations.migrate(
                svc,
                olga,
                "incident",
                source_version=1,
                target_version=2,
                selection=migrations.Selection(all=True),
                dry_run=dry_run,
            )

        dry_seconds, dry = timed(lambda: move(True))
        real_seconds, real = timed(lambda: move(False))
        assert dry.counts["movable"] == count and real.counts["moved"] == count, real.counts
        triage = statistics.median(triage_times)
        return {
            "triage": triage,
            "dry run": dry_seconds / count,
            "move": real_seconds / count,
        }
    finally:
        svc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--incidents", type=int, default=100)
    bounds.add_option(parser, default=1800)
    args = parser.parse_args()
    bounds.arm(args.max_seconds)
    with tempfile.TemporaryDirectory() as folder:
        deploys, moves = [], []
        for i in range(args.rounds):
            bounds.stage(f"deploy: round {i + 1} of {args.rounds}")
            deploys.append(deploy_round(Path(folder), i))
        for i in range(args.rounds):
            bounds.stage(f"migrate {args.incidents} incidents: round {i + 1} of {args.rounds}")
            moves.append(migrate_round(Path(folder), i, args.incidents))

    def median(rows, key):
        return statistics.median(row[key] for row in rows) * 1000

    print(f"deploy, median of {args.rounds} rounds (ms):")
    for key in ("cold", "no-op", "changed", "modeler"):
        if key in deploys[0]:
            print(f"  {key:8} {median(deploys, key):8.1f}")
    print(f"migrate {args.incidents} incidents, median of {args.rounds} rounds (ms per instance):")
    triage = median(moves, "triage")
    print(f"  {'triage':8} {triage:8.1f}   (baseline: completing one task)")
    for key in ("dry run", "move"):
        value = median(moves, key)
        print(f"  {key:8} {value:8.1f}   ratio to baseline {value / triage:.2f}")


if __name__ == "__main__":
    main()
