"""The domain library stays a plain library: no Flask, no app, no database session."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"flask", "qa_app", "flask_sqlalchemy", "flask_login", "flask_wtf"}


def imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_audit_tools_source_imports_neither_flask_nor_the_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_level_modules(path) & FORBIDDEN)
        for path in (ROOT / "audit_tools").rglob("*.py")
        if imported_top_level_modules(path) & FORBIDDEN
    }
    assert offenders == {}


def test_importing_audit_tools_loads_neither_flask_nor_the_app():
    code = (
        "import sys, pkgutil, importlib, audit_tools\n"
        "for m in pkgutil.walk_packages(audit_tools.__path__, 'audit_tools.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {sorted(FORBIDDEN)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_library_hands_over_numbers_and_the_app_draws_the_charts():
    drawing = [str(path.relative_to(ROOT)) for path in (ROOT / "audit_tools").rglob("*.py")
               if "<svg" in path.read_text()]
    assert drawing == []
