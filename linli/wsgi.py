import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
application = get_wsgi_application()

# Production mode stops here when an account keeps the demo password or the secret key is weak.
from linli.core.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
