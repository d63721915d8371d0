"""The JSON API: one NinjaAPI, each app adds its router from its own api.py."""

from ninja import NinjaAPI

from linli.core import api_errors
from linli.people.api_auth import BearerToken, SignedInSession

api = NinjaAPI(
    title="linli API",
    version="1",
    description="Registers of places and people, filtered by the caller's scope. Authenticate with `Authorization: Bearer <token>`.",
    # Tried in order: a bearer token for programs, else the signed-in session (with CSRF); neither: 401.
    auth=[BearerToken(), SignedInSession()],
    urls_namespace="api",
)
api_errors.register(api)

from linli.portal.places_api import router as places_router  # noqa: E402
from linli.people.api import router as people_router  # noqa: E402

api.add_router("/places", places_router)
api.add_router("/people", people_router)
api.add_router("/cases", "linli.cases.api.router")
api.add_router("/patrols", "linli.patrols.api.router")
api.add_router("/volunteers", "linli.volunteers.api.router")
api.add_router("/life", "linli.life.api.router")
api.add_router("/care", "linli.care.api.router")
api.add_router("/council", "linli.meetings.api.router")
api.add_router("/evaluation", "linli.evaluation.api.router")

# Last, once every router is in: every input bounded and the limits published (core.api_limits).
from linli.core import api_limits  # noqa: E402

api_limits.bound(api)
