"""Which language and time zone a user reads the desk in, and changing them."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import Settings
from ...domain import locales
from ...domain.access import Principal
from ...domain.errors import FieldError, InvalidInput, NotFound
from ...domain.labels import N_
from ...models import User
from ..context import Services

_UNSET = object()


@dataclass(frozen=True)
class Preferences:
    language: str
    time_zone: str
    # Whether the user chose them, or they follow the desk's defaults.
    chosen_language: bool
    chosen_time_zone: bool


def effective(svc: Services, principal: Principal | None) -> Preferences:
    """What the principal reads in (the defaults for nobody, or for what they left open)."""
    if principal is None:
        return chosen(svc.settings, None, None)
    return chosen(svc.settings, principal.language, principal.time_zone)


def chosen(settings: Settings, language: str | None, time_zone: str | None) -> Preferences:
    """A user's stored choice over the desk's defaults (a value no longer valid is none)."""
    language = language if locales.is_language(language) else None
    time_zone = time_zone if locales.is_time_zone(time_zone) else None
    return Preferences(
        language or settings.default_language,
        time_zone or settings.default_timezone,
        language is not None,
        time_zone is not None,
    )


def of_user(svc: Services, user: User) -> Preferences:
    return chosen(svc.settings, user.language, user.time_zone)


def update(
    svc: Services, principal: Principal, *, language=_UNSET, time_zone=_UNSET
) -> Preferences:
    """Set what was sent; None (JSON null) goes back to the desk's default."""
    errors = []
    if language is not _UNSET and language is not None and not locales.is_language(language):
        errors.append(FieldError("$.language", N_("a language the desk speaks: en or el")))
    if time_zone is not _UNSET and time_zone is not None and not locales.is_time_zone(time_zone):
        errors.append(
            FieldError("$.time_zone", N_("an IANA time zone name, such as Europe/Athens"))
        )
    if errors:
        raise InvalidInput("the language or time zone is not one the desk knows", errors)
    with svc.db.unit_of_work() as uow:
        user = uow.session.get(User, principal.user_id)
        if user is None:
            raise NotFound("no such user")
        if language is not _UNSET:
            user.language = language
        if time_zone is not _UNSET:
            user.time_zone = time_zone
        view = of_user(svc, user)
        uow.commit()
        return view
