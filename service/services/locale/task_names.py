"""Task names in a reader's language: the `ui:title` of the task form's translation,
where the process version brought one (the BPMN's name otherwise)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ... import forms
from ...models import ProcessInstance
from ..context import Services
from ..versions import document_if_present
from ..views import TaskView


def translated_names(svc: Services, tasks: Iterable[TaskView], language: str) -> dict[str, str]:
    """Task id -> its name in `language`, for the tasks whose form is translated."""
    tasks = [t for t in tasks if t.form]
    if not tasks:
        return {}
    with svc.db.read() as uow:
        session = uow.session
        versions = dict(
            session.execute(
                select(ProcessInstance.id, ProcessInstance.version_id).where(
                    ProcessInstance.id.in_({t.instance_id for t in tasks})
                )
            ).all()
        )
        # A queue holds many tasks of few forms: each translation is read once.
        titles: dict[tuple[int, str], str | None] = {}
        for key in {(versions[t.instance_id], t.form) for t in tasks}:
            texts = document_if_present(
                svc, session, key[0], forms.translation_name(key[1], language)
            )
            title = texts.get("ui:title") if isinstance(texts, dict) else None
            titles[key] = title if isinstance(title, str) and title else None
    return {
        t.id: title
        for t in tasks
        if (title := titles[(versions[t.instance_id], t.form)]) is not None
    }
