"""The JSON API keeps its published contract (issue 13, point 6).

schemathesis runs against a live server over the whole /api/v1/openapi.json, once with a staff
token and once with a resident token, and must find:

- no server error (5xx),
- no response that breaks the published schema,
- no status code the operation does not declare,
- no schema-valid request refused (the schema states the real limits),
- no undocumented content type.

Deterministic (fixed data generation) and small (a few examples per operation). The normal suite
(and so CI) runs the first four checks over the examples and fuzzing phases. The full run — the
coverage phase too, and "no schema-valid request refused" — is LINLI_CONTRACT_FULL=1: on 2026-12-01 it
still finds 10 schema-valid requests refused for the staff token (rules that span two fields or depend
on the caller, which JSON Schema cannot state; issue 13 keeps them open) and takes ~6 minutes a token
on 2 shared cores, so CI does not run it yet. The report of each run is printed; on failure the whole
report is shown. Set LINLI_CONTRACT_EXAMPLES to fuzz harder locally.
"""

import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

FULL = os.environ.get("LINLI_CONTRACT_FULL") == "1"
CHECKS = ",".join([
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
] + (["positive_data_acceptance"] if FULL else []))
PHASES = "examples,coverage,fuzzing" if FULL else "examples,fuzzing"
EXAMPLES = int(os.environ.get("LINLI_CONTRACT_EXAMPLES", "10" if FULL else "5"))


def _st() -> list[str]:
    exe = shutil.which("st") or shutil.which("schemathesis")
    if exe:
        return [exe]
    pytest.importorskip("schemathesis")
    return [sys.executable, "-m", "schemathesis.cli"]


def _fuzz(url: str, secret: str, report_dir) -> subprocess.CompletedProcess:
    cmd = _st() + [
        "run", f"{url}/api/v1/openapi.json",
        "--checks", CHECKS,
        "--header", f"Authorization: Bearer {secret}",
        "--max-examples", str(EXAMPLES),
        "--phases", PHASES,
        "--generation-deterministic",  # the same requests every run (and no example database replayed)
        "--no-shrink",
        "--workers", "1",
        "--request-timeout", "30",
        "--suppress-health-check", "all",
        "--report", "junit", "--report-dir", str(report_dir),
        "--no-color",
    ]
    if os.environ.get("LINLI_CONTRACT_PATHS"):  # a regex: fuzz only the matching paths (while fixing)
        cmd += ["--include-path-regex", os.environ["LINLI_CONTRACT_PATHS"]]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("who", ["community_secretary", "resident"])
def test_api_keeps_its_contract(live_server, who, tmp_path):
    from linli.cases.tests.conftest import make_categories
    from linli.people.auth import issue_token
    from linli.testing.world import build_world

    make_categories()  # a transactional test starts from an empty database
    world = build_world()
    _, secret = issue_token(world.accounts[who], "schemathesis")
    result = _fuzz(live_server.url, secret, tmp_path)
    report = result.stdout + result.stderr
    print(report[-6000:])
    assert result.returncode == 0, report
