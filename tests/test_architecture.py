"""The house's contracts (docs/architecture.md): the import-linter contracts in pyproject.toml hold,
a contract broken on purpose is caught, and no module outgrows one reader's head."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]
MAX_LINES = 600


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "HOME": str(cwd)}
    return subprocess.run([*LINT, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def copy_of_house(tmp_path_factory) -> Path:
    """The package and its contracts, copied so that a test may break them without touching the tree."""
    where = tmp_path_factory.mktemp("house")
    shutil.copytree(ROOT / "linli", where / "linli", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "locale", "templates"))
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def test_contracts_hold(copy_of_house):
    result = _lint(copy_of_house)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout or "broken" not in result.stdout.split("Contracts:")[-1]


@pytest.mark.parametrize("where, line, broken", [
    # the ground floor imports an app
    ("core/_probe.py", "from linli.cases import services\n", "linli.core is not allowed to import linli.cases"),
    # a circle between two domain apps (cases sits below meetings)
    ("cases/_probe.py", "from linli.meetings import services\n", "linli.cases is not allowed to import linli.meetings"),
    # places reaches up to people
    ("places/_probe.py", "from linli.people import scopes\n", "linli.places is not allowed to import linli.people"),
    # one app reaches into another's pages instead of its services
    ("patrols/_probe.py", "from linli.volunteers import views\n", "Illegal imports of protected package linli.volunteers.views"),
])
def test_a_contract_broken_on_purpose_fails(copy_of_house, where, line, broken):
    probe = copy_of_house / "linli" / where
    probe.write_text(line)
    try:
        result = _lint(copy_of_house)
    finally:
        probe.unlink()
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split()), result.stdout


def test_no_module_is_longer_than_600_lines():
    long = []
    for path in (ROOT / "linli").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        n = sum(1 for _ in path.open(encoding="utf-8"))
        if n > MAX_LINES:
            long.append(f"{path.relative_to(ROOT)}: {n}")
    assert not long, "split these by use-case family (docs/architecture.md): " + ", ".join(sorted(long))


def test_every_app_has_its_readme():
    apps = [p.parent.name for p in (ROOT / "linli").glob("*/apps.py")]
    assert {"core", "places", "people", "cases", "portal"} <= set(apps)
    missing = [a for a in apps if not (ROOT / "linli" / a / "README.md").exists()]
    assert not missing, missing
