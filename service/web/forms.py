"""The fixed forms of the pages (task forms come from JSON Schema). Each carries the
CSRF token; CSRFProtect refuses any POST without a valid one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..domain import locales


class SignInForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class CommentForm(FlaskForm):
    # Optional: files alone make a reply too (the service names them as its text).
    body = TextAreaField(_l("Reply"), validators=[Optional(), Length(max=20_000)])
    internal = BooleanField(_l("Internal note (agents only)"))
    files = MultipleFileField(_l("Attach files"))


class EditIncidentForm(FlaskForm):
    """An agent's correction of the facts; the service checks the values."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), validators=[Optional()])
    impact = SelectField(_l("Impact"), validators=[Optional()])
    urgency = SelectField(_l("Urgency"), validators=[Optional()])
    affected_item = StringField(
        _l("Affected service or item"), validators=[Optional(), Length(max=200)]
    )


class ActionForm(FlaskForm):
    """A button: claim, release, sign out. Only the CSRF token."""


_LEVELS = [
    SelectChoice(value, label)
    for value, label in (
        ("", _l("I don't know")),
        ("high", _l("High")),
        ("medium", _l("Medium")),
        ("low", _l("Low")),
    )
]


class NewIncidentForm(FlaskForm):
    title = StringField(
        _l("What is wrong, in a few words"), validators=[DataRequired(), Length(max=200)]
    )
    description = TextAreaField(
        _l("What happened, since when, what you tried"),
        validators=[DataRequired(), Length(max=20_000)],
    )
    impact = SelectField(
        _l("How many people or how much work does it affect?"),
        choices=_LEVELS,
        validators=[Optional()],
    )
    urgency = SelectField(
        _l("How soon do you need it back?"), choices=_LEVELS, validators=[Optional()]
    )
    reporter_contact = StringField(
        _l("How to reach you (e-mail or phone), if not the one on file"),
        validators=[Optional(), Length(max=200)],
    )
    # One incident per form, however often it is sent (a double click, a reload).
    submission = HiddenField(validators=[DataRequired(), Length(max=64)])


class PeriodForm(FlaskForm):
    """The overview's period (a GET form: nothing changes, no CSRF token)."""

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To (inclusive)"), validators=[Optional()])


class SettingsForm(FlaskForm):
    """The language and clock a user reads the desk in."""

    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, locales.LANGUAGE_NAMES[code]) for code in locales.LANGUAGES],
        validators=[DataRequired()],
    )
    time_zone = StringField(
        _l("Time zone"),
        description=_l("An IANA name, such as Europe/Athens or UTC."),
        validators=[DataRequired(), Length(max=64)],
    )


class RelateForm(FlaskForm):
    """The other incident of a link or a merge, by number."""

    number = StringField(_l("Incident number"), validators=[DataRequired(), Length(max=32)])
