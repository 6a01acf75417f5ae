"""Benchmark: what taking an e-mail in costs against the same work through the API's
service functions.

Each "conversation" is two steps, run two ways in the same process on one
SQLite file:

    api    incidents.open_incident (rita), then comments.add_comment (rita's reply)
    mail   intake.take of a new message from rita, then of her reply to it
           ([INC-...] in the subject, a quoted history and a signature to cut)

The ways alternate for --rounds rounds of --conversations each, so a slow spell of
the machine hits both; it prints conversations per second for each way (median
over rounds) and the mail/api ratio (the median of the rounds' ratios): what
parsing, the duplicate check, keeping the original and cutting the reply add.
Nothing is asserted about the timings.

    .venv/bin/python bench/mail.py
    .venv/bin/python bench/mail.py --rounds 7 --conversations 100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bounds  # noqa: E402

REPLY = (
    "It fails again since this morning.\n\n"
    "Best regards,\nRita\n\n"
    "On Mon, Mar 2, 2026 at 9:00 AM Incident Desk <desk@example.org> wrote:\n"
    "> We received your incident.\n> A first-level agent will look at it shortly.\n"
)


def _mail(subject: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Rita Reporter <rita@example.org>"
    message["To"] = "desk@example.org"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    message.set_content(text)
    return bytes(message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    bounds.add_option(parser, default=900)
    args = parser.parse_args()
    bounds.arm(args.max_seconds)

    from service import create_app
    from service.config import Settings
    from service.services import comments, deployments, incidents, users
    from service.services.mail import intake, outcomes

    bounds.stage("a fresh database: migrate, deploy")
    with tempfile.TemporaryDirectory(prefix="incident-desk-bench-") as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/bench.sqlite3",
            processes_dir=ROOT / "processes",
            forms_dir=ROOT / "forms",
            # Every message here is rita's: the bench measures cost, not the limit.
            mail_sender_limit=100_000,
        )
        app = create_app(settings)
        svc = app.extensions["incident_desk"]
        try:
            svc.db.upgrade()
            deployments.deploy_paths(
                svc, [settings.processes_dir, settings.forms_dir], actor="bench"
            )
            users.add_user(svc, "rita", display_name="Rita", contact="rita@example.org")
            rita = users.authenticate(svc, users.create_token(svc, "rita")[1])

            def by_api() -> None:
                view, _ = incidents.open_incident(
                    svc, rita, incidents.OpenIncident(title="Mail is down", description="Since 8")
                )
                comments.add_comment(svc, rita, view.number, "It fails again since this morning.")

            def by_mail() -> None:
                opened = intake.take(svc, _mail("Mail is down", "Since 8"), via=intake.PIPE)
                reply = _mail(f"Re: [{opened.incident}] We received your incident", REPLY)
                answered = intake.take(svc, reply, via=intake.PIPE)
                if (opened.outcome, answered.outcome) != (outcomes.OPENED, outcomes.COMMENTED):
                    raise SystemExit(f"unexpected: {opened.outcome}, {answered.outcome}")

            def rate(step) -> float:
                began = time.perf_counter()
                for _ in range(args.conversations):
                    step()
                return args.conversations / (time.perf_counter() - began)

            bounds.stage(f"warm-up: {args.warmup} conversations each way")
            for _ in range(args.warmup):
                by_api()
                by_mail()
            api_rates, mail_rates = [], []
            for number in range(args.rounds):
                bounds.stage(f"round {number + 1} of {args.rounds}: api, then mail")
                api_rates.append(rate(by_api))
                mail_rates.append(rate(by_mail))
        finally:
            svc.close()
    ratios = [m / a for m, a in zip(mail_rates, api_rates, strict=True)]
    print(f"rounds {args.rounds} x {args.conversations} conversations (open + one reply)")
    print(f"api   {statistics.median(api_rates):6.1f} conversations/s (median)")
    print(f"mail  {statistics.median(mail_rates):6.1f} conversations/s (median)")
    print(f"mail/api {statistics.median(ratios):.2f} (median of the rounds' ratios)")


if __name__ == "__main__":
    main()
