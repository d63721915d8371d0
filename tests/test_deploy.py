"""The files in deploy/ work as written (docs/deploy.md): the systemd units pass `systemd-analyze verify`, and
deploy/nginx-linli.conf runs in a real nginx in front of a real `linli serve`, started with the web unit's own
command line — the load balancer's /healthz over plain HTTP, everything else redirected to HTTPS, pages over TLS,
and a body over the size limit refused by nginx before linli sees it."""

import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linli.testing.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def _exec_start(unit: str) -> list[str]:
    """The arguments after the `linli` binary on the unit's ExecStart line."""
    [line] = [line for line in (DEPLOY / unit).read_text().splitlines() if line.startswith("ExecStart=")]
    binary, *args = line.removeprefix("ExecStart=").split()
    assert binary.endswith("/bin/linli"), line
    return args


# ---------------------------------------------------------------------------- systemd
@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze (systemd)")
def test_the_systemd_units_verify(tmp_path):
    python = f"{sys.executable} -m linli"
    for unit, name in (("linli-web.service", "linli-web.service"), ("linli-worker@.service", "linli-worker@1.service"),
                       ("linli-care-receiver.service", "linli-care-receiver.service")):
        (tmp_path / name).write_text((DEPLOY / unit).read_text().replace("/opt/linli/venv/bin/linli", python))
    (tmp_path / "broken.service").write_text("[Service]\nExecStart=/bin/true\nExecStratPre=/bin/true\n")
    for name in ("linli-web.service", "linli-worker@1.service", "linli-care-receiver.service", "broken.service"):
        done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60)
        said = done.stdout + done.stderr
        if name == "broken.service":  # the check can fail: a misspelt key is reported
            assert "Unknown key" in said, said
        else:
            assert done.returncode == 0 and not said.strip(), said
    assert _exec_start("linli-worker@.service") == ["worker"]
    receiver = _exec_start("linli-care-receiver.service")
    assert receiver[0] == "care_receiver" and receiver[receiver.index("--port") + 1] == "7700"


# ---------------------------------------------------------------------------- nginx in front of linli serve
def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "linli.example.gov.cn")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def _site(linli_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx-linli.conf with this test's ports and certificate; each line it changes must be there once."""
    text = (DEPLOY / "nginx-linli.conf").read_text()
    for old, new in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{linli_port};"), ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                     ("/etc/ssl/linli/fullchain.pem;", f"{cert};"), ("/etc/ssl/linli/privkey.pem;", f"{key};")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _wait_for(port: int, proc) -> None:
    deadline = time.monotonic() + 300  # a guard against a process that never comes up, not a measurement
    while time.monotonic() < deadline:
        assert proc.poll() is None, "exited before it listened"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def _get(port: int, path: str, *, tls: bool, method: str = "GET", body: bytes | None = None, headers=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's own self-signed certificate
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    out = r.status, dict(r.getheaders()), r.read()
    conn.close()
    return out


@pytest.mark.skipif(NGINX is None, reason="needs nginx (Debian: apt install nginx-light; `linli test` installs it as root)")
@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_nginx_conf_in_front_of_linli_serve(tmp_path):
    var = tmp_path / "var"
    env = dict(os.environ, LINLI_VAR_DIR=str(var), LINLI_ENCRYPTION_KEY=KEY, PYTHONUNBUFFERED="1", LINLI_LOG_LEVEL="WARNING",
               LINLI_PROXY_COUNT="1")
    for name in ("LINLI_DATABASE_URL", "LINLI_REPLICA_URL", "LINLI_SERVER"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "linli", "migrate", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]

    args = _exec_start("linli-web.service")  # serve --host 127.0.0.1 --port 8000, as the unit starts it
    linli_port, http_port, https_port = free_port(), free_port(), free_port()
    args[args.index("--port") + 1] = str(linli_port)
    log = tmp_path / "linli.log"
    with open(log, "w") as fh:
        linli = subprocess.Popen([sys.executable, "-m", "linli", *args, "--workers", "1", "--threads", "2"], cwd=ROOT, env=env,
                                 stdout=fh, stderr=subprocess.STDOUT)
    cert, key = _certificate(tmp_path)
    (tmp_path / "linli-site.conf").write_text(_site(linli_port, http_port, https_port, cert, key))
    temp = "".join(f"{kind}_temp_path {tmp_path / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "") +
        f"daemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'} warn;\nevents {{}}\n"
        f"http {{\naccess_log {tmp_path / 'access.log'};\n{temp}include {tmp_path / 'linli-site.conf'};\n}}\n")
    tested = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        _wait_for(linli_port, linli)
        _wait_for(https_port, nginx)
        # the load balancer's probe over plain HTTP reaches linli; any other plain request is sent to HTTPS
        status, _, body = _get(http_port, "/healthz", tls=False)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, headers, _ = _get(http_port, "/login/?next=/cases/", tls=False)
        assert status == 301 and headers["Location"] == "https://127.0.0.1/login/?next=/cases/"
        # pages over TLS, with the Host linli allows
        status, _, body = _get(https_port, "/login/", tls=True)
        assert status == 200 and b"csrfmiddlewaretoken" in body
        # a body over client_max_body_size: 413 from nginx, and linli never sees the request
        status, _, _ = _get(https_port, "/api/v1/cases", tls=True, method="POST", body=b"x" * (26 * 1024 * 1024),
                            headers={"Content-Type": "application/json"})
        assert status == 413
        status, _, small = _get(https_port, "/api/v1/cases", tls=True, method="POST", body=b"{}",
                                headers={"Content-Type": "application/json", "Authorization": "Bearer not-a-token"})
        assert status == 401, small  # a small one passes through, and linli refuses the token
    finally:
        nginx.send_signal(signal.SIGQUIT)
        linli.send_signal(signal.SIGTERM)
        nginx.wait(timeout=60)
        linli.wait(timeout=60)
    posts = [line for line in log.read_text().splitlines() if '"POST /api/v1/cases' in line]
    assert len(posts) == 1 and '" 401 ' in posts[0], posts  # only the small one reached linli
