"""Back office for places: administrative levels, compounds, grids (raw GeoJSON boundary), buildings, dwellings, venues."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .geometry import BoundaryError, parse_boundary
from .models import Building, Community, Compound, District, Dwelling, Entrance, Grid, Subdistrict, Venue


def _check_boundary(value):
    if value in (None, ""):
        return None
    try:
        parse_boundary(value)
    except BoundaryError as exc:
        raise ValidationError(str(exc))
    return value


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Subdistrict)
class SubdistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district")
    list_filter = ("district",)
    search_fields = ("code", "name")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "subdistrict", "address")
    list_filter = ("subdistrict",)
    search_fields = ("code", "name", "address")
    list_select_related = ("subdistrict",)


class CompoundForm(forms.ModelForm):
    class Meta:
        model = Compound
        fields = "__all__"

    def clean_boundary(self):
        return _check_boundary(self.cleaned_data.get("boundary"))


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    form = CompoundForm
    list_display = ("name", "community", "address")
    list_filter = ("community",)
    search_fields = ("name", "address")
    list_select_related = ("community",)


class GridForm(forms.ModelForm):
    """The boundary is edited as raw GeoJSON (Polygon or MultiPolygon, lng/lat) and checked with shapely."""

    class Meta:
        model = Grid
        fields = "__all__"
        widgets = {"boundary": forms.Textarea(attrs={"rows": 12, "cols": 100, "style": "font-family: monospace"})}

    def clean_boundary(self):
        return _check_boundary(self.cleaned_data.get("boundary"))

    def clean(self):
        data = super().clean()
        kind, parent = data.get("kind"), data.get("parent")
        if kind == Grid.Kind.MICRO and (parent is None or parent.kind == Grid.Kind.MICRO):
            self.add_error("parent", _("Parent grid: a micro-grid must sit in a residential or dedicated grid"))
        if kind and kind != Grid.Kind.MICRO and parent is not None:
            self.add_error("parent", _("Parent grid: only micro-grids have one"))
        return data


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    form = GridForm
    list_display = ("code", "name", "kind", "community", "parent", "color", "has_boundary", "updated_at")
    list_filter = ("kind", "community")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("updated_at",)
    list_select_related = ("community", "parent")

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj):
        return bool(obj.boundary)

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()  # the locator rebuilds its index when this moves
        super().save_model(request, obj, form, change)


class EntranceInline(admin.TabularInline):
    model = Entrance
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "number", "community", "compound", "grid", "micro_grid", "kind", "floors", "built_year")
    list_filter = ("kind", "community")
    search_fields = ("number", "address", "compound__name")
    raw_id_fields = ("compound", "grid", "micro_grid")
    list_select_related = ("community", "compound", "grid", "micro_grid")
    inlines = [EntranceInline]


@admin.register(Entrance)
class EntranceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "building", "number")
    search_fields = ("number", "building__number", "building__compound__name")
    raw_id_fields = ("building",)
    list_select_related = ("building__compound",)


@admin.register(Dwelling)
class DwellingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "building", "entrance", "room", "floor", "area_m2", "use")
    list_filter = ("use",)
    search_fields = ("room", "building__number", "building__compound__name")
    raw_id_fields = ("building", "entrance")
    list_select_related = ("building__compound", "entrance__building__compound")


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "nine_small", "grid", "community", "address", "contact_name", "active")
    list_filter = ("kind", "nine_small", "active", "community")
    search_fields = ("name", "address", "credit_code", "business", "contact_name")
    raw_id_fields = ("grid", "building")
    list_select_related = ("grid", "community")
