"""Back office for people: residents (PII never shown in plaintext), households with members, organisations,
appointments, accounts and API tokens.

The admin is for superusers (is_staff + Django's model permissions). It never
displays an ID number or phone in plaintext: those are shown masked, and can
only be replaced by typing a new value (checked like everywhere else). Reading
them in plaintext goes through the reveal service, which leaves an audit row.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import crypto

from .models import Account, ApiToken, Appointment, Household, HouseholdMember, Organization, Person, PersonTag, ResidentEvent
from linli.core.validation import check_id_number, normalize_phone


class PersonForm(forms.ModelForm):
    new_id_number = forms.CharField(label=_("new resident ID number"), required=False,
                                    help_text=_("Leave empty to keep the current one. Checked with its checksum; birth date and gender follow from it."))
    new_phone = forms.CharField(label=_("new phone"), required=False, help_text=_("Leave empty to keep the current one."))
    clear_phone = forms.BooleanField(label=_("remove the phone"), required=False)

    class Meta:
        model = Person
        exclude = ("id_number", "phone")

    def clean_new_id_number(self):
        value = self.cleaned_data.get("new_id_number", "").strip()
        if not value:
            return ""
        try:
            facts = check_id_number(value, field="new_id_number")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["new_id_number"])
        others = Person.objects.filter(id_number_hash=crypto.lookup_hash(facts.number))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("ID number: already registered to another person"))
        self._id_facts = facts
        return facts.number

    def clean_new_phone(self):
        value = self.cleaned_data.get("new_phone", "").strip()
        if not value:
            return ""
        try:
            return normalize_phone(value, field="new_phone")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["new_phone"])

    def save(self, commit=True):
        person = super().save(commit=False)
        if self.cleaned_data.get("new_id_number"):
            person.id_number = self.cleaned_data["new_id_number"]
            person.birth_date, person.gender = self._id_facts.birth_date, self._id_facts.gender
        if self.cleaned_data.get("new_phone"):
            person.phone = self.cleaned_data["new_phone"]
        elif self.cleaned_data.get("clear_phone"):
            person.phone = ""
        if commit:
            person.save()
            self.save_m2m()
        return person


class PersonTagInline(admin.TabularInline):
    model = PersonTag
    extra = 0


class MembershipInline(admin.TabularInline):
    model = HouseholdMember
    fk_name = "person"
    extra = 0
    raw_id_fields = ("household",)
    verbose_name = _("household membership")
    verbose_name_plural = _("household memberships")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ("name", "gender", "birth_date", "id_number_masked", "phone_masked", "status", "community", "dwelling")
    list_filter = ("status", "gender", "political_status", "community")
    search_fields = ("name",)
    raw_id_fields = ("community", "dwelling", "household")
    readonly_fields = ("id_number_masked", "phone_masked", "created_at", "updated_at")
    list_select_related = ("community", "dwelling__building__compound", "dwelling__entrance")
    inlines = [PersonTagInline, MembershipInline]
    fieldsets = (
        (None, {"fields": ("name", "gender", "birth_date", "ethnicity", "political_status")}),
        (_("Personal data (encrypted, shown masked)"), {"fields": ("id_number_masked", "new_id_number", "phone_masked", "new_phone", "clear_phone")}),
        (_("Residence"), {"fields": ("registered_residence", "registered_here", "community", "dwelling", "household", "status", "died_on")}),
        (_("Other"), {"fields": ("work_unit", "note", "created_at", "updated_at")}),
    )

    @admin.display(description=_("resident ID number"))
    def id_number_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return obj.phone_masked

    def get_search_results(self, request, queryset, search_term):
        """Names by fragment; a full ID number or phone by its keyed hash (never by plaintext)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper().replace(" ", "")
        hashes = []
        if len(term) == 18:
            hashes.append(("id_number_hash", crypto.lookup_hash(term)))
        try:
            phone = normalize_phone(search_term)
        except ValidationError:
            phone = ""
        if phone:
            hashes.append(("phone_hash", crypto.lookup_hash(phone)))
        for field, value in hashes:
            queryset |= self.model.objects.filter(**{field: value})
        return queryset, may_have_duplicates


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    fk_name = "household"
    extra = 0
    raw_id_fields = ("person",)
    fields = ("person", "relation", "since", "until", "end_reason")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("__str__", "number", "kind", "head_name", "created_on", "closed_on")
    list_filter = ("kind",)
    search_fields = ("number", "dwelling__room", "dwelling__building__number", "dwelling__building__compound__name")
    raw_id_fields = ("dwelling",)
    list_select_related = ("dwelling__building__compound", "dwelling__entrance")
    inlines = [HouseholdMemberInline]

    @admin.display(description=_("head of household"))
    def head_name(self, obj):
        head = obj.head
        return head.name if head else ""


@admin.register(ResidentEvent)
class ResidentEventAdmin(admin.ModelAdmin):
    """History is appended by the services; here it can only be read."""

    list_display = ("at", "person", "kind", "on", "household", "note", "actor")
    list_filter = ("kind",)
    search_fields = ("person__name", "note")
    list_select_related = ("person", "household__dwelling__building__compound", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "party_level", "parent", "department_type", "subdistrict", "community", "compound", "grid", "active")
    list_filter = ("kind", "party_level", "active", "community")
    search_fields = ("name", "credit_code", "contact_name", "department_type")
    raw_id_fields = ("parent", "subdistrict", "community", "compound", "grid", "building")
    filter_horizontal = ("serves",)
    list_select_related = ("parent", "subdistrict", "community", "compound", "grid")


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "scope_level", "scope_name", "title", "starts_on", "ends_on")
    list_filter = ("role", "scope_level")
    search_fields = ("person__name", "title")
    raw_id_fields = ("person", "subdistrict", "community", "compound", "grid", "building", "entrance", "organization")
    readonly_fields = ("scope_level",)
    list_select_related = ("person", "subdistrict", "community", "compound", "grid", "building__compound", "entrance__building__compound", "organization")
    date_hierarchy = "starts_on"

    @admin.display(description=_("scope"))
    def scope_name(self, obj):
        target = obj.scope_object
        return str(target) if target is not None else ""


@admin.register(Account)
class AccountAdmin(UserAdmin):
    list_display = ("username", "person", "email", "is_active", "is_staff", "is_superuser", "last_login")
    list_select_related = ("person",)
    search_fields = ("username", "email", "first_name", "last_name", "person__name")
    raw_id_fields = ("person",)
    fieldsets = UserAdmin.fieldsets + ((_("linli"), {"fields": ("person",)}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((_("linli"), {"fields": ("person",)}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `linli issue_token USERNAME [--name NAME]` (the secret is shown once); here they are listed and revoked."""

    list_display = ("name", "account", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "account__username")
    list_select_related = ("account",)
    readonly_fields = ("account", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": n})
