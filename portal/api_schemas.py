"""What the JSON API answers when it refuses, shared by the API root and every app's router: one
`Problem` body for domain errors and refusals, ninja's own body for invalid input, and the
statuses an operation declares, so that its OpenAPI schema lists every answer it can give."""

from typing import Any

from ninja import Field, Schema

# Ids are 64-bit in the database: a larger one in a path is invalid input (422), not a crash.
ID_MAX = 2**63 - 1


class Problem(Schema):
    """A refusal: 400 a body that is not JSON, 401 credentials missing or wrong, 403 not
    allowed, 404 not found (or not visible), 409 not now, 422 an input the domain refuses,
    429 too many attempts."""

    detail: str = Field(..., description="why, in the caller's language")
    code: str = Field(..., description="a stable code for programs, e.g. `not_found`")
    field: str | None = Field(None, description="the input at fault, when there is one")


class InvalidField(Schema):
    type: str
    loc: list[str | int] = Field(..., description="where: body, query or path, then the field")
    msg: str


class ValidationProblem(Schema):
    """Input that does not fit the schema (ninja's own shape)."""

    detail: list[InvalidField]


# 422 is either ninja's validation of the input's shape or a domain refusal of its content.
Invalid = ValidationProblem | Problem

_PROBLEM_SCHEMAS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Invalid,
    429: Problem,
}


def problems(*statuses: int) -> dict[int, Any]:
    """The `response={...}` entries of the refusals an operation can answer with: 400 when it
    takes a body that is not JSON, 401 without valid credentials, 403 also to a session that
    changes something without its CSRF token, 422 when the input does not fit its schema."""
    return {status: _PROBLEM_SCHEMAS[status] for status in statuses}


# A request body over the limit is refused before Django reads it (portal.site.limits), in
# plain text; declared with `openapi_extra=BODY_LIMIT` on the operations that take a body.
BODY_LIMIT = {
    "responses": {
        413: {
            "description": "Request body too large",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    }
}
