"""Residents, households (with history), organisations, appointments and accounts."""

import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField, LookupHashField
from linli.core.crypto import mask_id_number, mask_phone
from linli.places.models import Building, Community, Compound, Dwelling, Entrance, Grid, Subdistrict

from linli.core import roles


class Tag(models.TextChoices):
    """Stored tags. Age tags (60+, 80+, minor) are derived from the birth date, never stored."""

    LIVING_ALONE = "living_alone", _("Living alone")
    EMPTY_NEST = "empty_nest", _("Empty nest")
    DISABLED = "disabled", _("Disabled")
    LOW_INCOME = "low_income", _("Minimum living allowance (低保)")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty support (特困)")
    VETERAN = "veteran", _("Veteran")
    KEY_CARE = "key_care", _("Key care")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    UNEMPLOYED = "unemployed", _("Unemployed")


DERIVED_TAGS = {
    "age60": _("Aged 60+"),
    "age80": _("Aged 80+"),
    "minor": _("Minor"),
}


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Political(models.TextChoices):
        MASSES = "masses", _("Masses")
        PARTY_MEMBER = "party_member", _("CPC member")
        PROBATIONARY = "probationary", _("Probationary CPC member")
        LEAGUE_MEMBER = "league_member", _("Youth League member")
        DEMOCRATIC_PARTY = "democratic_party", _("Democratic party member")

    class Status(models.TextChoices):
        LIVING_HERE = "living_here", _("Living here")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, db_index=True)
    id_number = EncryptedTextField(_("resident ID number"), blank=True, default="")
    id_number_hash = LookupHashField(source="id_number")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_hash = LookupHashField(source="phone")
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    political_status = models.CharField(_("political status"), max_length=20, choices=Political.choices, default=Political.MASSES)
    registered_residence = models.CharField(_("registered residence (户籍地)"), max_length=200, blank=True)
    registered_here = models.BooleanField(_("household registration in this community"), default=True)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    # Current place, kept by services on every move so scope filters need no joins through history.
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="persons", verbose_name=_("community"))
    dwelling = models.ForeignKey(Dwelling, null=True, blank=True, on_delete=models.SET_NULL, related_name="residents", verbose_name=_("actual residence"))
    household = models.ForeignKey("Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="current_members", verbose_name=_("household"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.LIVING_HERE, db_index=True)
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="person_unique_id_number"),
        ]
        permissions = [("reveal_pii", "Can reveal ID numbers and phones")]

    def __str__(self):
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def age(self, on: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        on = on or timezone.localdate()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    def derived_tags(self, on: datetime.date | None = None) -> list[str]:
        age = self.age(on)
        if age is None:
            return []
        tags = []
        if age >= 60:
            tags.append("age60")
        if age >= 80:
            tags.append("age80")
        if age < 18:
            tags.append("minor")
        return tags


class PersonTag(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True, help_text=_("Disability level 1–4"))
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="persontag_unique")]

    def __str__(self):
        label = self.get_tag_display()
        return f"{label}{self.level}级" if self.level else str(label)


class Household(models.Model):
    class Kind(models.TextChoices):
        FAMILY = "family", _("Family household")
        COLLECTIVE = "collective", _("Collective household")

    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="households", verbose_name=_("dwelling"))
    number = models.CharField(_("household number"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FAMILY)
    created_on = models.DateField(_("registered on"), default=datetime.date.today)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["dwelling_id", "id"]

    def __str__(self):
        return f"{self.dwelling}"

    @property
    def head(self):
        member = self.members.filter(relation=HouseholdMember.Relation.HEAD, until__isnull=True).select_related("person").first()
        return member.person if member else None


class HouseholdMember(models.Model):
    """A person's membership of a household over a period; history is never overwritten."""

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    class EndReason(models.TextChoices):
        MOVED_OUT = "moved_out", _("Moved out")
        DIED = "died", _("Died")
        TRANSFERRED = "transferred", _("Moved to another household")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    since = models.DateField(_("since"), default=datetime.date.today)
    until = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "household member")
        verbose_name_plural = pgettext_lazy("model", "household members")
        ordering = ["household_id", "-until", "since"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(until__isnull=True), name="member_one_current_household"),
            models.UniqueConstraint(fields=["household"], condition=Q(until__isnull=True, relation="head"), name="member_one_current_head"),
        ]


class ResidentEvent(models.Model):
    """A line of a person's history: registered, moved in, moved out, died, changed."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        MOVED_IN = "moved_in", _("Moved in")
        MOVED_OUT = "moved_out", _("Moved out")
        DIED = "died", _("Died")
        CHANGED = "changed", _("Details changed")
        TAGGED = "tagged", _("Tag added")
        UNTAGGED = "untagged", _("Tag removed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on = models.DateField(default=datetime.date.today)
    note = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey("Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "resident change")
        verbose_name_plural = pgettext_lazy("model", "resident changes")
        ordering = ["-at", "-id"]


class Organization(models.Model):
    class Kind(models.TextChoices):
        PARTY = "party", _("Party organisation")
        PROPERTY_COMPANY = "property_company", _("Property company")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
        CO_BUILDING = "co_building", _("Co-building unit")
        SOCIAL = "social", _("Social organisation")
        DEPARTMENT = "department", _("Government department")
        VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")

    class PartyLevel(models.TextChoices):
        COMMUNITY_COMMITTEE = "community_committee", _("Community party committee")
        COMPOUND_BRANCH = "compound_branch", _("Compound party branch")
        GRID_GROUP = "grid_group", _("Grid party group")
        MEMBER_HOUSEHOLD = "member_household", _("Party-member liaison household")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent"))
    party_level = models.CharField(_("party level"), max_length=24, choices=PartyLevel.choices, blank=True)
    department_type = models.CharField(_("department type"), max_length=50, blank=True, help_text=_("e.g. police station, civil affairs, housing, urban management, market regulation, fire"))
    subdistrict = models.ForeignKey(Subdistrict, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("subdistrict"))
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("community"))
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("compound"))
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("grid"))
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("building"))
    serves = models.ManyToManyField(Compound, blank=True, related_name="served_by", verbose_name=_("compounds served"))
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    # encrypted at rest like residents' phones; shown masked (contact_phone_masked)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)

    def clean(self):
        if self.kind == self.Kind.PARTY and not self.party_level:
            raise ValidationError({"party_level": _("A party organisation needs its level.")})
        if self.kind != self.Kind.PARTY and self.party_level:
            raise ValidationError({"party_level": _("Only party organisations have a party level.")})
        expected_parent = {
            self.PartyLevel.COMPOUND_BRANCH: self.PartyLevel.COMMUNITY_COMMITTEE,
            self.PartyLevel.GRID_GROUP: self.PartyLevel.COMPOUND_BRANCH,
            self.PartyLevel.MEMBER_HOUSEHOLD: self.PartyLevel.GRID_GROUP,
        }.get(self.party_level)
        if expected_parent and (self.parent is None or self.parent.party_level != expected_parent):
            raise ValidationError({"parent": _("This party level must sit under a %(level)s.") % {"level": self.PartyLevel(expected_parent).label}})


class Appointment(models.Model):
    """A person × role × scope × period. One person may hold several at once (交叉任职)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=32, choices=roles.ROLE_CHOICES)
    subdistrict = models.ForeignKey(Subdistrict, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("subdistrict"))
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("community"))
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("compound"))
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("grid"))
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("building"))
    entrance = models.ForeignKey(Entrance, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("entrance"))
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("organisation"))
    scope_level = models.CharField(_("scope"), max_length=16, editable=False)
    # The community the scope lies in (None for subdistrict-wide and department posts); kept by clean().
    home_community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    title = models.CharField(_("title"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"), default=datetime.date.today)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["person_id", "role", "starts_on"]
        indexes = [models.Index(fields=["role", "starts_on", "ends_on"], name="appointment_role_period")]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()} · {self.scope_object}"

    @property
    def scope_object(self):
        return getattr(self, self.scope_level, None) if self.scope_level else None

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    def clean(self):
        set_levels = [level for level in roles.SCOPE_LEVELS if getattr(self, f"{level}_id")]
        if len(set_levels) != 1:
            raise ValidationError(_("An appointment names exactly one scope (building, entrance, grid, compound, community, subdistrict or organisation); it names %(n)d.") % {"n": len(set_levels)})
        level = set_levels[0]
        allowed = roles.ROLE_SCOPES.get(self.role, set())
        if level not in allowed:
            raise ValidationError({"role": _("The role %(role)s cannot be appointed to a %(level)s.") % {"role": self.get_role_display(), "level": level}})
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date must not be before the start date.")})
        self.scope_level = level
        self.home_community_id = _community_of(level, getattr(self, level))


def _community_of(level, obj):
    if level == "community":
        return obj.pk
    if level in {"compound", "grid", "building"}:
        return obj.community_id
    if level == "entrance":
        return obj.building.community_id
    if level == "organization":
        return obj.community_id
    return None


class Account(AbstractUser):
    """A login. Every login is a person (the superuser created by hand may not be)."""

    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="account", verbose_name=_("person"))

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")


class ApiToken(models.Model):
    """A token for programs. Only a hash of the secret is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
