"""The JSON API keeps its published contract (issue 13, point 6).

schemathesis runs against a live server over the whole /api/v1/openapi.json, once with a staff
token (community secretary) and once with a resident token, and must find:

- no server error (5xx),
- no response that breaks the published schema,
- no status code the operation does not declare,
- no undocumented content type,
- no schema-valid request refused (the schema states the real limits: fixed lists as enums,
  minimum lengths as patterns, rules over several fields as anyOf of required sets).

"Refused" is stated here, not left to schemathesis' defaults: a schema-valid request may be answered
2xx, or 401/403 (who the caller is: a token, a role, a record they may read but not change — a rule
that depends on the caller is a permission matter, answered 403), 404 (an id that does not exist or
lies outside the caller's scope: the schema cannot know which ids exist) or 409 (the record's state or
today's date does not allow the step). Anything else — 400, 422, 429, 5xx — fails the check.

One rule JSON Schema cannot state, a grid boundary being a valid polygon, is kept out of the positive
requests by tests/contract_hooks.py (with the reason).

Two sizes, both deterministic (the same requests every run, no example database replayed):

- the suite (and so CI, on SQLite and on PostgreSQL): every check, the examples and fuzzing phases,
  LINLI_CONTRACT_EXAMPLES (default 4) examples per operation: 76 operations, 304 requests a token; on
  2026-12-01 the test took 67 s for both tokens, the world built once (2 shared cores, load ~1-2), plus
  the test database's creation that the suite shares;
- LINLI_CONTRACT_FULL=1: the coverage phase too (boundary values of every field) and 10 examples per
  operation, ~5,000-5,500 requests a token, 6-10 minutes a token; run it after changing a schema or a rule.

LINLI_CONTRACT_PATHS (a regex) fuzzes only the matching paths while fixing; LINLI_CONTRACT_WHO (a comma list
of the world's accounts, default "community_secretary,resident") chooses the tokens. The summary of each run is
printed; on failure the whole report is shown.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

FULL = os.environ.get("LINLI_CONTRACT_FULL") == "1"
CHECKS = ",".join([
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "positive_data_acceptance",
])
PHASES = "examples,coverage,fuzzing" if FULL else "examples,fuzzing"
EXAMPLES = int(os.environ.get("LINLI_CONTRACT_EXAMPLES", "10" if FULL else "4"))
# What a schema-valid request may be answered besides 2xx (see the module docstring).
ACCEPTED = ["2xx", "401", "403", "404", "409"]
CONFIG = f"""
[checks.positive_data_acceptance]
expected-statuses = {ACCEPTED!r}
"""
ROOT = Path(__file__).resolve().parent.parent


def _st() -> list[str]:
    exe = shutil.which("st") or shutil.which("schemathesis")
    if exe:
        return [exe]
    pytest.importorskip("schemathesis")
    return [sys.executable, "-m", "schemathesis.cli"]


def _fuzz(url: str, secret: str, report_dir: Path) -> subprocess.CompletedProcess:
    config = report_dir / "schemathesis.toml"
    config.write_text(CONFIG)
    cmd = _st() + [
        "--config-file", str(config),
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
    path = os.pathsep.join(p for p in (str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, SCHEMATHESIS_HOOKS="contract_hooks", PYTHONPATH=path)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, cwd=report_dir)


def _summary(report: str) -> str:
    start = report.find("=== SUMMARY ===")
    return report[report.rfind("\n", 0, start) + 1:] if start >= 0 else report[-6000:]


WHO = [w for w in os.environ.get("LINLI_CONTRACT_WHO", "community_secretary,resident").split(",") if w]


def test_api_keeps_its_contract(live_server, tmp_path):
    """One world for both tokens (building it is a third of the time): staff first, then a resident."""
    from linli.cases import classifier
    from linli.cases.tests.conftest import make_categories
    from linli.people.auth import issue_token
    from linli.testing.world import build_world

    make_categories()  # a transactional test starts from an empty database
    world = build_world()
    classifier.current().predict("楼道灯坏了")  # trained before the clock runs: the first intake must not time out
    failed = []
    for who in WHO:
        _, secret = issue_token(world.accounts[who], "schemathesis")
        report_dir = tmp_path / who
        report_dir.mkdir()
        result = _fuzz(live_server.url, secret, report_dir)
        report = result.stdout + result.stderr
        print(f"schemathesis as {who}, phases {PHASES}, {EXAMPLES} examples per operation, checks {CHECKS}")
        print(_summary(report))
        if result.returncode != 0 or "Tested:" not in report:
            failed.append(f"---- as {who}\n{report}")
    assert not failed, "\n".join(failed)
