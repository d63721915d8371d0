"""Roles, the scopes each may be appointed to, and what each may do there.

This table is the one statement of who may read, write and reveal what; the
scope resolver in scopes.py turns a person's current appointments into filters.
"""

from django.utils.translation import gettext_lazy as _

# domains of records
PLACES = "places"  # grids, buildings, dwellings, venues, organisations
PEOPLE = "people"  # residents and households
PATROLS = "patrols"  # patrols, inspections, hazards, notices, disputes, building-leader duty lists, visit rules
# care visits: whom the community visits and why (elderly living alone, disability, serious illness, minors…) —
# sensitive personal information (PIPL art. 28): only those who do or supervise the visits, never the property
# company or departments (they read grid work where their cases need it: hazards, notices)
CARE = "care"
VOLUNTEERS = "volunteers"  # volunteers, teams, activities, service records, points, charity shop, wishes
COUNCIL = "council"  # council-hall matters, votes, meetings and their actions
LIFE = "life"  # group-buy cycles and orders, room bookings, the tool library's loans

RESIDENT = "resident"
BUILDING_LEADER = "building_leader"
ENTRANCE_LEADER = "entrance_leader"
GRID_WORKER = "grid_worker"
PARTY_GROUP_LEADER = "party_group_leader"
PARTY_LIAISON = "party_liaison_household"
COMMUNITY_SECRETARY = "community_secretary"
COMMUNITY_STAFF = "community_staff"
SUBDISTRICT_STAFF = "subdistrict_staff"
DEPARTMENT_CONTACT = "department_contact"
PROPERTY_MANAGER = "property_manager"
VOLUNTEER_TEAM_LEAD = "volunteer_team_lead"

ROLE_CHOICES = [
    (RESIDENT, _("Resident")),
    (BUILDING_LEADER, _("Building leader")),
    (ENTRANCE_LEADER, _("Entrance leader")),
    (GRID_WORKER, _("Grid worker")),
    (PARTY_GROUP_LEADER, _("Grid party group leader")),
    (PARTY_LIAISON, _("Party-member liaison household")),
    (COMMUNITY_SECRETARY, _("Community secretary")),
    (COMMUNITY_STAFF, _("Community staff")),
    (SUBDISTRICT_STAFF, _("Subdistrict staff")),
    (DEPARTMENT_CONTACT, _("Department contact")),
    (PROPERTY_MANAGER, _("Property manager")),
    (VOLUNTEER_TEAM_LEAD, _("Volunteer team lead")),
]

# scope levels an appointment can name
SCOPE_LEVELS = ["subdistrict", "community", "compound", "grid", "building", "entrance", "organization"]

# role -> scope levels it may be appointed to
ROLE_SCOPES = {
    RESIDENT: {"community"},
    BUILDING_LEADER: {"building"},
    ENTRANCE_LEADER: {"entrance"},
    GRID_WORKER: {"grid"},
    PARTY_GROUP_LEADER: {"grid", "organization"},
    PARTY_LIAISON: {"building", "entrance"},
    COMMUNITY_SECRETARY: {"community"},
    COMMUNITY_STAFF: {"community"},
    SUBDISTRICT_STAFF: {"subdistrict"},
    DEPARTMENT_CONTACT: {"organization"},
    PROPERTY_MANAGER: {"organization", "compound"},
    VOLUNTEER_TEAM_LEAD: {"organization", "community"},
}

# role -> {"read": domains, "write": domains, "reveal": bool, "audit": bool}
GRANTS = {
    RESIDENT: {"read": set(), "write": set()},
    BUILDING_LEADER: {"read": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE}, "write": {PATROLS, CARE}},
    ENTRANCE_LEADER: {"read": {PLACES, PEOPLE, PATROLS, CARE, COUNCIL}, "write": {PATROLS, CARE}},
    GRID_WORKER: {"read": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE}, "write": {PLACES, PEOPLE, PATROLS, CARE}, "reveal": True},
    PARTY_GROUP_LEADER: {"read": {PLACES, COUNCIL}, "write": set()},
    PARTY_LIAISON: {"read": {PLACES, PEOPLE}, "write": set()},
    COMMUNITY_SECRETARY: {"read": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE},
                          "write": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE},
                          "reveal": True, "audit": True},
    COMMUNITY_STAFF: {"read": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE}, "write": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE},
                      "reveal": True},
    SUBDISTRICT_STAFF: {"read": {PLACES, PEOPLE, PATROLS, CARE, VOLUNTEERS, COUNCIL, LIFE}, "write": set(), "audit": True},
    DEPARTMENT_CONTACT: {"read": {PLACES}, "write": set()},
    PROPERTY_MANAGER: {"read": {PLACES, PATROLS}, "write": set()},
    VOLUNTEER_TEAM_LEAD: {"read": {VOLUNTEERS}, "write": {VOLUNTEERS}},
}

STAFF_ROLES = {COMMUNITY_SECRETARY, COMMUNITY_STAFF, SUBDISTRICT_STAFF}
