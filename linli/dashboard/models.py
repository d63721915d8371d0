"""Monthly reports, kept for download: one per (area, month), made by the worker at month end or on demand."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _path(instance, filename):
    return f"reports/{instance.level}-{instance.area_id}/{instance.month:%Y-%m}/{filename}"


class MonthlyReport(models.Model):
    class Level(models.TextChoices):
        COMMUNITY = "community", _("Community")
        SUBDISTRICT = "subdistrict", _("Subdistrict")

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    area_id = models.PositiveIntegerField()
    area_name = models.CharField(_("area"), max_length=100)
    month = models.DateField(_("month"), help_text=_("first day of the month reported"))
    xlsx = models.FileField(upload_to=_path, blank=True)
    pdf = models.FileField(upload_to=_path, blank=True)
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-month", "level", "area_id"]
        verbose_name = pgettext_lazy("model", "monthly report")
        verbose_name_plural = pgettext_lazy("model", "monthly reports")
        constraints = [models.UniqueConstraint(fields=["level", "area_id", "month"], name="one_report_per_area_month")]

    def __str__(self):
        return f"{self.area_name} {self.month:%Y-%m}"
