"""The three ways a service says no: bad input (ValidationError naming the field), a state that does not allow the step (StateConflict), or out of scope."""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401


class OutOfScope(PermissionDenied):
    """The record exists but lies outside what the caller may see or change."""


class StateConflict(ValidationError):
    """The input is well formed but the record's current state (or today's date) does not allow the
    step: "this person has already moved out", "before the date they moved in". A ValidationError
    (forms and pages show it on the field as before); the JSON API answers it 409 Conflict with the
    same body as a 422, so a request that follows the published schema is never refused with 422
    for a rule the schema cannot state."""
