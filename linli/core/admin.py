"""Back office for the plumbing tables: the audit log (read-only), the outbox and background jobs."""

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .models import AuditLog, Job, OutboxMessage

# The back office is the site's, not Django's: its headers name linli (邻里) in the site language.
admin.site.site_header = _("linli back office")
admin.site.site_title = _("linli back office")
admin.site.index_title = _("linli: site administration")
if apps.is_installed("axes"):  # django-axes names its app "Axes" and ships no Chinese; its models' names are in linli's catalogue
    apps.get_app_config("axes").verbose_name = _("Sign-in lock-out")

# django-axes' own model names, as its models spell them: marked here so that `linli messages` keeps their
# translations in linli's catalogue (the admin translates them through the merged catalogues at run time).
AXES_MODEL_NAMES = (
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("access failure"), gettext_noop("access failures"), gettext_noop("access log"), gettext_noop("access logs"),
)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, changes or deletes audit rows, superusers included."""

    list_display = ("at", "actor", "action", "subject_type", "subject_label", "field", "reason", "community_id")
    list_filter = ("action", "subject_type")
    search_fields = ("subject_label", "subject_id", "reason", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "recipient", "address", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("subject", "event_key", "address", "recipient__username")
    raw_id_fields = ("recipient",)
    readonly_fields = ("created_at", "sent_at", "read_at", "last_error")
    list_select_related = ("recipient",)
    actions = ["retry_now"]

    @admin.action(description=_("Retry the selected messages now"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        n = queryset.exclude(status=OutboxMessage.Status.SENT).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now())
        self.message_user(request, _("%(n)d message(s) queued again.") % {"n": n})


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "owner", "progress", "created_at", "started_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("kind", "owner__username", "error")
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "started_at", "finished_at", "total", "done", "result", "error")
    list_select_related = ("owner",)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{obj.percent}%"
