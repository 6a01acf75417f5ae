"""The fixed forms of the pages (task forms come from JSON Schema). Each carries the
CSRF token; CSRFProtect refuses any POST without a valid one."""

from __future__ import annotations

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


class SignInForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class CommentForm(FlaskForm):
    # Optional: files alone make a reply too (the service names them as its text).
    body = TextAreaField("Reply", validators=[Optional(), Length(max=20_000)])
    internal = BooleanField("Internal note (agents only)")
    files = MultipleFileField("Attach files")


class EditIncidentForm(FlaskForm):
    """An agent's correction of the facts; the service checks the values."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    category = SelectField("Category", validators=[Optional()])
    impact = SelectField("Impact", validators=[Optional()])
    urgency = SelectField("Urgency", validators=[Optional()])
    affected_item = StringField(
        "Affected service or item", validators=[Optional(), Length(max=200)]
    )


class ActionForm(FlaskForm):
    """A button: claim, release, sign out. Only the CSRF token."""


_LEVELS = [
    SelectChoice(value, label)
    for value, label in (
        ("", "I don't know"),
        ("high", "High"),
        ("medium", "Medium"),
        ("low", "Low"),
    )
]


class NewIncidentForm(FlaskForm):
    title = StringField(
        "What is wrong, in a few words", validators=[DataRequired(), Length(max=200)]
    )
    description = TextAreaField(
        "What happened, since when, what you tried",
        validators=[DataRequired(), Length(max=20_000)],
    )
    impact = SelectField(
        "How many people or how much work does it affect?",
        choices=_LEVELS,
        validators=[Optional()],
    )
    urgency = SelectField("How soon do you need it back?", choices=_LEVELS, validators=[Optional()])
    reporter_contact = StringField(
        "How to reach you (e-mail or phone), if not the one on file",
        validators=[Optional(), Length(max=200)],
    )
    # One incident per form, however often it is sent (a double click, a reload).
    submission = HiddenField(validators=[DataRequired(), Length(max=64)])


class PeriodForm(FlaskForm):
    """The overview's period (a GET form: nothing changes, no CSRF token)."""

    start = DateField("From", validators=[Optional()])
    end = DateField("To (inclusive)", validators=[Optional()])
