"""One POST to a WSGI application in-process, as a server makes it: shared by the benches that send intakes without a
server (bench_instructions, bench_intake_sql, bench_intake_pg).

The response is closed afterwards, as a server closes it: that is when Django sends request_finished. Left open, the
thread stays "inside the request" and what hangs on that (linli.core.memo's per-request snapshot) outlives it."""

import io
import sys


def post(application, path: str, body: bytes, headers: dict) -> tuple[str, bytes]:
    """(status line, body) of POST `path` with these HTTP headers (Content-Type among them)."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body))}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    started = []
    response = application(environ, lambda status, response_headers, *exc_info: started.append(status))
    try:
        reply = b"".join(response)
    finally:
        response.close()
    return started[0], reply
