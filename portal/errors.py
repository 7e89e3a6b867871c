"""Domain errors: each says why, in the user's language, with a stable code for programs; and
the one place that turns them into a 404 or a message on a page (the API maps them in its
exception handler)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.http import Http404


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


class Refusal:
    """The outcome of a `refusal_shown` block: `ok` unless a service refused."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def refusal_shown(request, form=None) -> Iterator[Refusal]:
    """Run a service for a page: a refusal becomes the form's field error (when the form has
    that field) or a message that says why; `NotVisible` goes on to become a 404."""
    outcome = Refusal()
    try:
        yield outcome
    except NotVisible:
        raise
    except DomainError as error:
        outcome.error = error
        if form is not None and error.field in getattr(form, "fields", {}):
            form.add_error(error.field, str(error.message))
        else:
            messages.error(request, str(error.message))


class NotVisibleAs404Middleware:
    """Whatever a user may not see answers 404, exactly like what does not exist."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotVisible):
            raise Http404(str(exception.message)) from exception
        return None
