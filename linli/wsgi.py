import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")

from linli.core import api_chain  # noqa: E402

# Django's handler; machine requests (the API and Open311 without a cookie) through a shorter chain (linli.core.api_chain)
application = api_chain.application()

# Production mode stops here when an account keeps the demo password or the secret key is weak.
from linli.core.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
