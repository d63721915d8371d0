"""The two ways a service says no: bad input (ValidationError naming the field) or out of scope."""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401


class OutOfScope(PermissionDenied):
    """The record exists but lies outside what the caller may see or change."""
