"""Import residents and households from the Excel registers communities keep (Chinese headers).

    report = import_residents(scope, fileobj, dry_run=True)    # what would change, nothing written
    report = import_residents(scope, fileobj, dry_run=False)   # every valid row committed

Every row is checked by the same functions the services use (validation.check_id_number,
validation.normalize_phone, services.clean_person_fields, services._clean_tags) and the
same scope rules (Scope.covers / Scope.filter for writing people). New residents are written
in batches, one transaction each (plain multi-row INSERTs of the rows register_person would
write: person, household, membership, "registered" and "moved in" events, tags; ID numbers and
phones encrypted in one pass, crypto.encrypt_many); changes to residents already in the
register go through services.update_person / set_tags / move, one savepoint per row.

The natural key is the resident ID number (its keyed look-up hash): importing the same
file twice changes nothing the second time. No query per row: each batch of 1,000 reads the
residents it names (ID hashes), their tags and memberships once as plain rows, the encrypted
columns left unread (compared by keyed hash); the clean reuses parse's ID check and that batch read. A row
for a registered resident is first compared with the record (ResidentImport.unchanged): an
unchanged row costs that comparison, not the clean; any difference sends it the full way. The mapping is documented in
docs/import-mapping.md.

    columns.py    the headers each field goes by and the values its cells may hold (+ the labels exports write)
    cleaning.py   one cell's text: building/entrance/room keys, yes/no, disability levels, tag lists
    places.py     the buildings, entrances, dwellings and open households a sheet can name
    rows.py       one row parsed and checked (Parsed, the RowChecks mixin)
    residents.py  ResidentImport (run, batches planned against the register) and import_residents
    writing.py    the writes a batch planned (the Writing mixin)
    inserts.py    plain multi-row INSERTs and SELECT … IN for the batches (no model instances, no per-value ORM work)
    job.py        the background job import.residents (imported here, so the worker knows it)
"""

from . import job  # noqa: F401  (registers the import.residents job handler)
from .cleaning import building_key, entrance_key, parse_tags, room_key, tags_label
from .columns import (
    ALIASES,
    DERIVED_TAG_NAMES,
    GENDER_LABELS,
    GENDERS,
    NO,
    POLITICAL,
    POLITICAL_LABELS,
    RELATION_LABELS,
    RELATIONS,
    REQUIRED_COLUMNS,
    RESIDENT_TYPE_LABELS,
    RESIDENT_TYPES,
    TAG_COLUMNS,
    TAG_LABELS,
    TAG_NAMES,
    YES,
)
from .places import HouseholdState, Places
from .residents import BATCH_SIZE, PROGRESS_EVERY, ResidentImport, import_residents
from .rows import Parsed

__all__ = [
    "ALIASES", "BATCH_SIZE", "DERIVED_TAG_NAMES", "GENDER_LABELS", "GENDERS", "NO", "POLITICAL", "POLITICAL_LABELS",
    "PROGRESS_EVERY", "RELATION_LABELS", "RELATIONS", "REQUIRED_COLUMNS", "RESIDENT_TYPE_LABELS", "RESIDENT_TYPES",
    "TAG_COLUMNS", "TAG_LABELS", "TAG_NAMES", "YES", "HouseholdState", "Parsed", "Places", "ResidentImport",
    "building_key", "entrance_key", "import_residents", "parse_tags", "room_key", "tags_label",
]
