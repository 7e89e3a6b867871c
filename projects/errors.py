"""Domain errors: each says why, in the user's language, with a stable code for programs."""


class DomainError(Exception):
    status = 409
    code = "refused"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field


class NotVisible(DomainError):
    """The object does not exist for this user (a guessed id is answered like a missing one)."""

    status = 404
    code = "not_found"


class PermissionRefused(DomainError):
    """The user may see the object but not do this."""

    status = 403
    code = "forbidden"


class TransitionRefused(DomainError):
    """Not allowed now: wrong state, missing key materials, prerequisites not approved."""

    status = 409


class InvalidInput(DomainError):
    status = 422
    code = "invalid"
