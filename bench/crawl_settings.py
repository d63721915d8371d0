"""linli's settings plus one middleware, for bench/bench_crawl.py: each response says how long the app took.

    DJANGO_SETTINGS_MODULE=crawl_settings PYTHONPATH=bench python3 -m linli serve

The middleware goes first, so the figure (Server-Timing: app;dur=<ms>) covers every other middleware, the
view and the template rendering: what the server spends on the request, without the network or the
server's own queueing. It lives here, not in linli, so production answers carry no timing.
"""

import time

from linli.settings import *  # noqa: F401,F403
from linli.settings import MIDDLEWARE as _MIDDLEWARE


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


MIDDLEWARE = ["crawl_settings.ServerTimingMiddleware", *_MIDDLEWARE]
