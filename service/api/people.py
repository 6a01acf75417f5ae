"""/api/users: administering accounts (admins) and a person's data on request
(admins and the privacy team)."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services.people import accounts, erasure, export
from .context import principal, services
from .people_schemas import (
    AccountChangeSchema,
    AccountQuerySchema,
    AccountSchema,
    DisabledSchema,
    ErasureRequestSchema,
    ErasureSchema,
    PersonDataSchema,
)

blp = Blueprint("people", __name__, url_prefix="/api", description="People and their data")


@blp.route("/users", methods=["GET"])
@blp.arguments(AccountQuerySchema, location="query")
@blp.response(200, AccountSchema(many=True))
def list_users(query):
    """Accounts by username, filtered by group, disabled or not, and text (admins)."""
    return accounts.list_accounts(services(), principal(), **query)


@blp.route("/users/<string:username>", methods=["GET"])
@blp.response(200, AccountSchema)
def get_user(username):
    """One account (admins)."""
    return accounts.get_account(services(), principal(), username)


@blp.route("/users/<string:username>", methods=["PATCH"])
@blp.arguments(AccountChangeSchema)
@blp.response(200, AccountSchema)
def change_user(body, username):
    """Change a user's groups, the groups they lead, display name or contact (admins;
    the last admin keeps the admin group)."""
    return accounts.update_account(services(), principal(), username, body)


@blp.route("/users/<string:username>/disable", methods=["POST"])
@blp.response(200, DisabledSchema)
def disable_user(username):
    """Disable an account: its tokens are revoked, its sessions end, the tasks it holds go
    back to their groups' queues and the groups' leads are told (admins; not yourself,
    not the last admin)."""
    return accounts.disable(services(), principal(), username)


@blp.route("/users/<string:username>/enable", methods=["POST"])
@blp.response(200, AccountSchema)
def enable_user(username):
    """Let a disabled account sign in again, with a new password or token (admins)."""
    return accounts.enable(services(), principal(), username)


@blp.route("/users/<string:username>/data", methods=["GET"])
@blp.response(200, PersonDataSchema)
def person_data(username):
    """Everything the desk holds about the person, as JSON (admins and privacy)."""
    return export.export_person(services(), principal(), username)


@blp.route("/users/<string:username>/erase", methods=["POST"])
@blp.arguments(ErasureRequestSchema)
@blp.response(200, ErasureSchema)
def erase_person(body, username):
    """Pseudonymise the person: account, their incidents' reporter data, what they wrote
    and sent; incident figures and the audit trail's events stay (admins and privacy)."""
    return erasure.erase_person(services(), principal(), username, body["reason"])
