"""One POST to a WSGI application in-process, as a server makes it: shared by the benches that send intakes without a
server (bench_instructions, bench_intake_sql, bench_intake_pg). The request is linli.server.wsgi_call's, which also
sends the master's warm-up requests; the response is closed afterwards, as a server closes it."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a bench run as a script from any folder, linli installed or not
    sys.path.append(str(ROOT))

from linli.server import wsgi_call  # noqa: E402


def post(application, path: str, body: bytes, headers: dict) -> tuple[str, bytes]:
    """(status line, body) of POST `path` with these HTTP headers (Content-Type among them)."""
    return wsgi_call(application, "POST", path, body, headers, host="127.0.0.1")
