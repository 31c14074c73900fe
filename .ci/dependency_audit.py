"""Known vulnerabilities in the pinned dependencies: pip-audit (Python) and npm audit (front end).

Fails (exit 1) when either finds a known vulnerability (npm: high or critical). When a
vulnerability service cannot be reached, or answers for none of the packages, that is said
plainly ("NOT AUDITED") and does not fail the run: a network outage is not a finding, and a
silent "no known vulnerabilities" from a service that audited nothing would be a false green.
Run by .ci/run; `make check` runs it too.
"""
import json
import subprocess  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP_AUDIT = [str(ROOT / ".venv/bin/pip-audit"), "-r", "requirements-dev.txt", "--format", "json",
             "--progress-spinner", "off"]
TIMEOUT = 900


def run(command):
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,  # nosec B603
                              check=False)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    return done, done.stderr.strip().splitlines()[-1:] if done.stderr.strip() else ""


def pip_audit() -> str:
    """'ok', 'vulnerable' or 'not audited'."""
    reasons = []
    for service in ("pypi", "osv"):
        done, tail = run(PIP_AUDIT + ["--vulnerability-service", service])
        try:
            dependencies = json.loads(done.stdout)["dependencies"] if done else None
        except (ValueError, KeyError):
            dependencies = None
        if dependencies is None:
            reasons.append(f"{service}: could not be reached ({' '.join(tail) if tail else 'no answer'})")
            continue
        audited = [d for d in dependencies if "skip_reason" not in d]
        vulnerable = [d for d in audited if d.get("vulns")]
        if vulnerable:
            print(f"pip-audit ({service}): known vulnerabilities:")
            for dependency in vulnerable:
                for vuln in dependency["vulns"]:
                    fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                    print(f"  {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
            return "vulnerable"
        if audited:
            skipped = [d["name"] for d in dependencies if "skip_reason" in d]
            print(f"pip-audit ({service}): {len(audited)} of {len(dependencies)} packages audited, "
                  "no known vulnerabilities" + (f"; not audited: {', '.join(skipped)}" if skipped else ""))
            return "ok"
        reasons.append(f"{service}: answered for none of the {len(dependencies)} packages")
    print("pip-audit: NOT AUDITED - no vulnerability service could be used (" + "; ".join(reasons)
          + "). Run `make check` where PyPI's JSON API or osv.dev is reachable.")
    return "not audited"


def npm_audit() -> str:
    done, _ = run(["npm", "audit", "--json", "--audit-level=high"])
    try:
        report = json.loads(done.stdout) if done else {}
    except ValueError:
        report = {}
    counts = report.get("metadata", {}).get("vulnerabilities")
    if counts is None:
        reason = report.get("message") or "no answer"
        print(f"npm audit: NOT AUDITED - the registry's audit service could not be used ({reason}).")
        return "not audited"
    serious = counts.get("high", 0) + counts.get("critical", 0)
    print(f"npm audit: {counts.get('total', 0)} known vulnerabilities, {serious} high or critical")
    if serious:
        for name, vuln in sorted(report.get("vulnerabilities", {}).items()):
            if vuln.get("severity") in ("high", "critical"):
                print(f"  {name}: {vuln['severity']} ({vuln.get('range', '')})")
        return "vulnerable"
    return "ok"


if __name__ == "__main__":
    results = [pip_audit(), npm_audit()]
    sys.exit(1 if "vulnerable" in results else 0)
