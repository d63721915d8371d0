"""Administrative levels, physical places, grids and venues.

District → Subdistrict → Community → Compound → Building → Entrance → Dwelling.
Every building and venue belongs to a grid ("入网进格"); micro-grids nest in a grid.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.crypto import mask_phone
from linli.core.fields import EncryptedTextField


class District(models.Model):
    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Subdistrict(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts", verbose_name=_("district"))
    code = models.CharField(_("division code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Community(models.Model):
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="communities", verbose_name=_("subdistrict"))
    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    # the outline on the base map; where it is empty the map draws the union of the community's grids
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Compound(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")]

    def __str__(self):
        return self.name


class Grid(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential grid")
        DEDICATED = "dedicated", _("Dedicated grid")
        MICRO = "micro", _("Micro-grid")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESIDENTIAL)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="micro_grids", verbose_name=_("parent grid"))
    code = models.CharField(_("grid code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    color = models.CharField(_("map colour"), max_length=9, blank=True)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def is_micro(self) -> bool:
        return self.kind == self.Kind.MICRO


class Building(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        MIXED = "mixed", _("Mixed use")
        BUNGALOW = "bungalow", _("Bungalow courtyard")
        NONRESIDENTIAL = "nonresidential", _("Non-residential")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community"))
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("compound"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid"))
    micro_grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="micro_buildings", verbose_name=_("micro-grid"))
    number = models.CharField(_("building number"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESIDENTIAL)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "compound_id", "number"]
        constraints = [models.UniqueConstraint(fields=["community", "compound", "number"], name="building_unique_number", nulls_distinct=False)]

    def __str__(self):
        return f"{self.compound.name}{self.number}" if self.compound_id else self.number


class Entrance(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="entrances", verbose_name=_("building"))
    number = models.CharField(_("entrance"), max_length=20)

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        ordering = ["building_id", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="entrance_unique_number")]

    def __str__(self):
        return f"{self.building}{self.number}"


class Dwelling(models.Model):
    class Use(models.TextChoices):
        OWNER = "owner", _("Owner-occupied")
        RENTED = "rented", _("Rented")
        VACANT = "vacant", _("Vacant")
        COMMERCIAL = "commercial", _("Commercial")

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("building"))
    entrance = models.ForeignKey(Entrance, null=True, blank=True, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("entrance"))
    room = models.CharField(_("room"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, default=Use.OWNER)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building_id", "entrance_id", "room"]
        constraints = [models.UniqueConstraint(fields=["building", "entrance", "room"], name="dwelling_unique_room", nulls_distinct=False)]

    def __str__(self):
        entrance = self.entrance.number if self.entrance_id else ""
        return f"{self.building}{entrance}{self.room}"


class Venue(models.Model):
    """A shop, one of the nine small venues, a resident institution, a school or a co-building unit."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("Shop")
        NINE_SMALL = "nine_small", _("Nine small venues")
        INSTITUTION = "institution", _("Resident institution")
        SCHOOL = "school", _("School")
        CO_BUILDING = "co_building", _("Co-building unit")
        OTHER = "other", _("Other")

    class NineSmall(models.TextChoices):
        STORE = "store", _("Small store")
        CATERING = "catering", _("Small restaurant")
        HOTEL = "hotel", _("Small hotel")
        ENTERTAINMENT = "entertainment", _("Small entertainment venue")
        INTERNET_CAFE = "internet_cafe", _("Small internet café")
        BEAUTY_BATH = "beauty_bath", _("Small beauty / bath house")
        EDUCATION = "education", _("Small school / tutoring")
        CLINIC = "clinic", _("Small clinic")
        WORKSHOP = "workshop", _("Small workshop")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="venues", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="venues", verbose_name=_("grid"))
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="venues", verbose_name=_("building"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SHOP)
    nine_small = models.CharField(_("nine-small category"), max_length=16, choices=NineSmall.choices, blank=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    business = models.CharField(_("line of business"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    # encrypted at rest like residents' phones (linli.core.crypto); shown masked (contact_phone_masked)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    active = models.BooleanField(_("operating"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["community_id", "grid_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name", "address"], name="venue_unique_name_address")]

    def __str__(self):
        return self.name

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)


class MapFeature(models.Model):
    """What the base map draws besides the registers' own places: streets, lanes, water, green, squares.

    Maps are readable offline from linli's own data (outlines, buildings, grids, venues and these);
    a configured tile server only adds a picture beneath."""

    class Kind(models.TextChoices):
        STREET = "street", _("street")
        LANE = "lane", _("lane")
        WATER = "water", _("water")
        GREEN = "green", _("green space")
        SQUARE = "square", _("square")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="map_features", verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"))

    class Meta:
        verbose_name = _("map feature")
        verbose_name_plural = _("map features")
        ordering = ["community_id", "kind", "name"]

    def __str__(self):
        return self.name or self.get_kind_display()
