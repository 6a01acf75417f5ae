"""Domain errors. They say what went wrong; `service.api.errors` maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One failing field: `field` is a JSON path such as `$.impact`, or a header name."""

    field: str
    message: str
    location: str = "json"


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Conflict(DomainError):
    code = "conflict"


class Gone(DomainError):
    """What was asked for existed but no longer can be used (an expired link)."""

    code = "gone"


class TooManyAttempts(DomainError):
    """Too many failed tries from this account or address: wait `retry_after` seconds."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """The service cannot do this now (a resource it needs is missing or busy); retry later."""

    code = "unavailable"


class InvalidInput(DomainError):
    """Submitted data broke a rule; `errors` lists each failing field."""

    code = "invalid_input"

    def __init__(self, message: str, errors: list[FieldError] | None = None):
        super().__init__(message)
        self.errors = list(errors or [])


class ProcessError(DomainError):
    """A process definition failed while it ran (a script, a gateway, a decision table).

    The caller's request is rolled back; `element_id` names the BPMN element, and
    `file` and `line` say where it is when known.
    """

    code = "process_error"

    def __init__(
        self,
        message: str,
        *,
        element_id: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ):
        super().__init__(message)
        self.element_id = element_id
        self.file = file
        self.line = line


class ProcessDefinitionError(ProcessError):
    """A BPMN or DMN file cannot be parsed or is not executable."""

    code = "invalid_process_definition"


@dataclass(frozen=True)
class Problem:
    """Something wrong in a deployed file: which file, which element, which line."""

    file: str
    message: str
    element_id: str | None = None
    line: int | None = None
    # In a form file: the JSON Schema keyword and a JSON pointer to it.
    keyword: str | None = None
    pointer: str | None = None


class DeploymentInvalid(DomainError):
    """The files cannot go live; nothing was stored. `warnings` would not have blocked."""

    code = "invalid_deployment"

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the files; nothing was deployed"
        )
        self.problems = list(problems)
        self.warnings = list(warnings or [])


# The one mapping from error to HTTP status, shared by the API and the web pages.
_HTTP_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Gone, 410),
    (InvalidInput, 422),
    (DeploymentInvalid, 422),
    (ProcessError, 422),
    (TooManyAttempts, 429),
    (Unavailable, 503),
)


def http_status(error: DomainError) -> int:
    return next((status for kind, status in _HTTP_STATUS if isinstance(error, kind)), 400)
