"""`make mutation`: mutation testing of the modules that hold the rules that matter (issue 22).

Not part of CI: it takes hours over everything. Each group runs on its own, one after the
other, in a scratch copy of the project (instance/mutation/<group>/, so the work tree and
other runs are untouched), mutating only its modules and running only the tests that cover
them. mutmut's own results stay in that copy; a summary of each group (score and surviving
mutants) is written to instance/mutation/<group>.json, for docs/testing.md.

    python -m mutation.run                 every group, in order
    python -m mutation.run sampling        one group (names below)
    python -m mutation.run --until 20:40   stop starting groups after this time (UTC), and
                                           stop a running group at it
    python -m mutation.run --again measures
                                           after adding tests: in the group's existing copy,
                                           take the new tests and check again only the
                                           mutants not yet killed
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / "instance" / "mutation"
COPY = ["audit_tools", "qa_app", "tests", "templates", "migrations", "config.py", "wsgi.py", "pytest.ini"]

# group: (modules to mutate, tests that cover them, mutant-name globs or [] for every mutant)
GROUPS = {
    "measures": (["audit_tools/measures.py"],
                 ["tests/audit_tools/test_measures.py", "tests/audit_tools/test_measures_brute_force.py",
                  "tests/audit_tools/test_measures_rules.py"], []),
    # The measures-only history the measures page reads (from_columns and its kin) is tested
    # against the database (tests/test_measures_fast_path*.py): minutes a mutant on a busy machine.
    "measures-fast-path": (["audit_tools/measures.py"],
                           ["tests/test_measures_fast_path.py", "tests/test_measures_fast_path_brute_force.py"],
                           ["audit_tools.measures.xǁReferralHistoryǁfrom_*", "audit_tools.measures.xǁReferralHistoryǁfacts*",
                            "audit_tools.measures.xǁReferralHistoryǁre_referral_days*"]),
    "sampling": (["audit_tools/sampling.py"],
                 ["tests/audit_tools/test_sampling.py", "tests/audit_tools/test_sampling_order.py",
                  "tests/audit_tools/test_sampling_rules.py"], []),
    "workbooks": (["audit_tools/workbooks/*", "audit_tools/safe_workbook.py"],
                  ["tests/audit_tools/test_workbooks.py", "tests/audit_tools/test_quote_prefix.py"], []),
    "security": (["qa_app/security.py"],
                 ["tests/test_access.py", "tests/test_auth.py", "tests/test_http.py",
                  "tests/test_rules_that_matter.py"], []),
    "actions": (["qa_app/services/actions.py"],
                ["tests/test_actions.py", "tests/test_action_rules.py", "tests/test_rules_that_matter.py"], []),
    "moderation": (["qa_app/services/moderation.py"],
                   ["tests/test_moderation.py", "tests/test_moderation_rules.py",
                    "tests/test_own_work_moderation_sections.py"], []),
    "accounts": (["qa_app/services/accounts.py"],
                 ["tests/test_auth.py", "tests/test_sign_in_defences.py", "tests/test_lockout_rules.py",
                  "tests/test_admin.py"], []),
    "case_reads": (["qa_app/services/case_reads.py"],
                   ["tests/test_case_reads.py", "tests/test_case_reads_rules.py", "tests/test_rules_that_matter.py",
                    "tests/test_review_two_reads.py"], []),
    "imports": (["qa_app/services/imports.py", "qa_app/services/import_merge.py",
                 "qa_app/services/import_frame.py", "qa_app/services/import_findings.py"],
                ["tests/test_imports.py", "tests/test_import_safety.py", "tests/test_import_fast_path.py"], []),
}


def _setup_cfg(modules, tests) -> str:
    listed = lambda items: "\n    " + "\n    ".join(items)  # noqa: E731
    return (f"[mutmut]\nsource_paths ={listed(['audit_tools', 'qa_app'])}\nonly_mutate ={listed(modules)}\n"
            f"pytest_add_cli_args_test_selection ={listed(tests)}\n"
            f"pytest_add_cli_args ={listed(['-p', 'no:cacheprovider', '-q'])}\n"
            "also_copy =\n    templates\n    migrations\n    config.py\n    wsgi.py\n    pytest.ini\n"
            "use_git_change_detection = false\n"
            # mutmut's wall-clock limit is (the tests' own measured time + this) x 15. Each mutant's
            # pytest run first migrates a fresh database (seconds) that the measured time leaves
            # out; at mutmut's default of 1 every app-level mutant "timed out" before its test ran.
            "timeout_constant = 20\n"
            # mutmut forks each mutant's run from its own process by default, after running the
            # suite in it: the app's in-process job threads are gone in the fork, so a test that
            # waits for a job waits for ever and the mutant "times out". A fork server that has
            # imported but run nothing has no such threads.
            "process_isolation = forkserver\n")


def prepare(group: str) -> Path:
    modules, tests, _ = GROUPS[group]
    place = SCRATCH / group
    if place.exists():
        shutil.rmtree(place)
    place.mkdir(parents=True)
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, place / name, ignore=shutil.ignore_patterns("__pycache__", "instance"))
        else:
            shutil.copy2(source, place / name)
    (place / "setup.cfg").write_text(_setup_cfg(modules, tests))
    return place


def _mutmut() -> str:
    return str(Path(sys.executable).with_name("mutmut"))


def refresh(group: str) -> tuple[Path, list[str]]:
    """The group's existing copy with today's tests and test list, and the mutants to check again."""
    modules, tests, _ = GROUPS[group]
    place = SCRATCH / group
    shutil.rmtree(place / "tests")
    shutil.copytree(ROOT / "tests", place / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (place / "setup.cfg").write_text(_setup_cfg(modules, tests))
    shutil.rmtree(place / "mutants" / "tests", ignore_errors=True)
    shutil.copytree(ROOT / "tests", place / "mutants" / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    # Which tests reach which function is worked out again: mutmut would otherwise run each
    # mutant against the tests it knew of, and never the new ones.
    (place / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    statuses = _statuses(place)
    return place, [name for name, status in statuses.items() if status not in ("killed", "timeout")]


def run(group: str, until: datetime | None, again: bool = False) -> dict:
    if again:
        place, globs = refresh(group)
    else:
        place, globs = prepare(group), GROUPS[group][2]
    command = ["nice", "-n", "19", _mutmut(), "run", "--max-children", "1", *globs]
    started = time.monotonic()
    log = open(SCRATCH / f"{group}.log", "a" if again else "w")
    process = subprocess.Popen(command, cwd=place, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, start_new_session=True)
    stopped = False
    while process.poll() is None:
        if until and datetime.now(UTC) >= until:
            os.killpg(process.pid, 15)  # only the group this run started
            process.wait()
            stopped = True
            break
        time.sleep(5)
    summary = summarise(group, place, time.monotonic() - started, stopped)
    (SCRATCH / f"{group}.json").write_text(json.dumps(summary, indent=2))
    return summary


def _statuses(place: Path) -> dict[str, str]:
    listing = subprocess.run([_mutmut(), "results", "--all", "true"], cwd=place, capture_output=True, text=True)
    statuses = {}
    for line in listing.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            statuses[name] = status
    return statuses


def summarise(group: str, place: Path, seconds: float, stopped: bool) -> dict:
    """Each mutant's status from mutmut's results, with the diff of each survivor."""
    statuses = _statuses(place)
    survivors = {}
    for name, status in statuses.items():
        if status == "survived":
            shown = subprocess.run([_mutmut(), "show", name], cwd=place, capture_output=True, text=True)
            survivors[name] = shown.stdout
    counts = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    tried = killed + counts.get("survived", 0)
    return {"group": group, "modules": GROUPS[group][0], "tests": GROUPS[group][1],
            "finished": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(seconds),
            "stopped_at_deadline": stopped, "counts": counts,
            "score": round(100 * killed / tried, 1) if tried else None, "survivors": survivors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", choices=[[], *GROUPS], default=[])
    parser.add_argument("--until", help="HH:MM UTC: start no group after it, stop a running one at it")
    parser.add_argument("--again", action="store_true", help="check again the mutants not yet killed")
    arguments = parser.parse_args()
    until = None
    if arguments.until:
        hour, minute = map(int, arguments.until.split(":"))
        until = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    for group in arguments.groups or list(GROUPS):
        if until and datetime.now(UTC) >= until:
            print(f"{group}: not run, past {arguments.until}")
            continue
        summary = run(group, until, arguments.again)
        print(f"{group}: score {summary['score']}% {summary['counts']} in {summary['seconds']} s"
              + (" (stopped at the deadline)" if summary["stopped_at_deadline"] else ""), flush=True)


if __name__ == "__main__":
    main()
