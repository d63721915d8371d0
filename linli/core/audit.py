"""Writing audit rows. Reading them is in queries (scoped to the secretary's community)."""

from .models import AuditLog


def record(actor, action: str, *, subject=None, subject_label: str = "", community_id=None, field: str = "", reason: str = "", **detail) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=subject_label or (str(subject) if subject is not None else ""),
        community_id=community_id,
        field=field,
        reason=reason,
        detail=detail,
    )
