"""Second security review: the build installs a setuptools without known advisories, pinned
where pip-audit reads the dependencies, and bandit's Markup findings stay justified in place."""
import re
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# setuptools 78.1.1 fixed the last published advisory (CVE-2025-47273, path traversal in
# PackageIndex); 65.5.0, which python -m venv installs, has three.
FIRST_WITHOUT_ADVISORIES = (78, 1, 1)


def _as_tuple(text):
    return tuple(int(part) for part in text.split("."))


def test_setuptools_is_pinned_where_the_audit_reads_and_installed_at_that_version():
    pins = re.findall(r"^setuptools==([\d.]+)$", (ROOT / "requirements-dev.txt").read_text(), re.M)
    assert len(pins) == 1, "setuptools must be pinned in requirements-dev.txt, which pip-audit audits"
    assert _as_tuple(pins[0]) >= FIRST_WITHOUT_ADVISORIES
    assert version("setuptools") == pins[0]


def test_every_markup_in_the_app_says_why_it_is_safe():
    for path in (ROOT / "qa_app").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bMarkup\(", line):
                assert "nosec B704" in line, f"{path.relative_to(ROOT)}:{number} builds Markup without saying why"
