"""The dependency audit CI runs: a known vulnerability fails the run, an unreachable service is
reported as NOT AUDITED (never as a clean bill of health), and a real answer passes."""
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "dependency_audit.py"


@pytest.fixture
def audit():
    spec = importlib.util.spec_from_file_location("dependency_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answering(pip_audit_json, npm_json):
    def run(command):
        text = npm_json if command[0] == "npm" else pip_audit_json
        return subprocess.CompletedProcess(command, 1, stdout=text, stderr=""), ""
    return run


FLASK = {"name": "flask", "version": "3.1.3"}
NOT_FOUND = {**FLASK, "skip_reason": "Dependency not found on PyPI and could not be audited"}
CLEAN_NPM = json.dumps({"metadata": {"vulnerabilities": {"high": 0, "critical": 0, "total": 0}}})


def test_a_known_vulnerability_fails_the_run(audit, capsys):
    vulnerable = {**FLASK, "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["3.1.4"]}]}
    audit.run = answering(json.dumps({"dependencies": [vulnerable]}), CLEAN_NPM)
    assert audit.pip_audit() == "vulnerable"
    assert "flask 3.1.3: PYSEC-2099-1 (fixed in 3.1.4)" in capsys.readouterr().out
    npm = json.dumps({"metadata": {"vulnerabilities": {"high": 1, "critical": 0, "total": 1}},
                      "vulnerabilities": {"sass": {"severity": "high", "range": "<1.0"}}})
    audit.run = answering("", npm)
    assert audit.npm_audit() == "vulnerable"


def test_a_service_that_audited_nothing_is_reported_as_not_audited(audit, capsys):
    audit.run = answering(json.dumps({"dependencies": [NOT_FOUND]}), json.dumps({"message": "405 Method Not Allowed"}))
    assert audit.pip_audit() == "not audited" and audit.npm_audit() == "not audited"
    out = capsys.readouterr().out
    assert "pip-audit: NOT AUDITED" in out and "npm audit: NOT AUDITED" in out and "405" in out


def test_a_clean_answer_passes(audit, capsys):
    audit.run = answering(json.dumps({"dependencies": [{**FLASK, "vulns": []}, NOT_FOUND]}), CLEAN_NPM)
    assert audit.pip_audit() == "ok" and audit.npm_audit() == "ok"
    assert "1 of 2 packages audited, no known vulnerabilities; not audited: flask" in capsys.readouterr().out
