"""The fixed forms of the pages (task forms come from JSON Schema). Each carries the
CSRF token; CSRFProtect refuses any POST without a valid one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class CommentForm(FlaskForm):
    body = TextAreaField("Reply", validators=[DataRequired(), Length(max=20_000)])
    internal = BooleanField("Internal note (agents only)")


class ActionForm(FlaskForm):
    """A button: claim, release, sign out. Only the CSRF token."""
