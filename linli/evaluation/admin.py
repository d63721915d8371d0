from django.contrib import admin

from .models import Indicator, Rule, Survey, SurveyItem, SurveyResponse


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Published versions are kept as they were scored; publish a new one (the rules page) rather than edit."""

    list_display = ("subject", "version", "effective_from", "published_at")
    list_filter = ("subject",)
    inlines = [IndicatorInline]

    def get_readonly_fields(self, request, obj=None):
        return ("subject", "version", "effective_from", "published_by", "published_at") if obj else ()


class SurveyItemInline(admin.TabularInline):
    model = SurveyItem
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "compound", "period_start", "period_end", "status")
    list_filter = ("status",)
    readonly_fields = ("result", "published_at")
    inlines = [SurveyItemInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    """Who answered (never what they answered)."""

    list_display = ("survey", "household", "answered_at")
    readonly_fields = ("survey", "household", "answered_at")
