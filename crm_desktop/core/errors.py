"""The error hierarchy: what a user may be shown (UserError) versus a bug, and a cancel."""

from __future__ import annotations

CONNECTION_LOST_MESSAGE = (
    "The connection to the server was lost; your changes are kept — try again."
)


class CrmError(Exception):
    """Base of every error crm-desktop raises on purpose."""


class UserError(CrmError):
    """Something the user can understand and act on; its message is shown as it is."""


class ValidationError(UserError):
    """Bad input for one or more fields; ``fields`` maps field name to message."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class DuplicateCustomer(UserError):
    """A customer with the same normalized name, phone or email exists."""


class ConflictError(UserError):
    """A save over a row somebody else changed since it was read."""


class PermissionDenied(UserError):
    """The current user may not do this."""


class AuthenticationFailed(UserError):
    """Wrong login or password, or a disabled user; ``reason`` says which, for the UI's
    translated message: "wrong_credentials" | "disabled" | "no_app_user"."""

    def __init__(self, message: str, reason: str = "wrong_credentials") -> None:
        super().__init__(message)
        self.reason = reason


class ImportFileError(UserError):
    """A file given to an importer cannot be read."""


class DatabaseError(UserError):
    """The database cannot be opened or used: unreachable, not a crm database, unsafe location."""


class ConnectionLost(DatabaseError):
    """The connection to the database server broke during an operation (the server restarted,
    an administrator ended the session, the network dropped). Nothing of the operation was
    kept; the next attempt reconnects."""

    def __init__(self, message: str = CONNECTION_LOST_MESSAGE) -> None:
        super().__init__(message)


class NotFound(UserError):
    """The thing asked for does not exist (or is not visible to the user)."""


class OperationCancelled(CrmError):
    """The user cancelled a running operation; everything it did is rolled back."""
