"""Views are thin: no queries, no commits (the pipeline commits once). `lint-imports`, run by
`make test`, checks the import rules; this checks what imports cannot show."""
from __future__ import annotations

import ast
from pathlib import Path

BLUEPRINTS = Path(__file__).resolve().parents[2] / "portal" / "blueprints"
FORBIDDEN = {"commit", "rollback", "flush", "execute", "scalar", "scalars"}


def _names(tree) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
    return found


def test_views_neither_touch_the_session_nor_commit():
    modules = sorted(BLUEPRINTS.rglob("*.py"))
    assert len(modules) > 20
    for path in modules:
        names = _names(ast.parse(path.read_text()))
        where = path.relative_to(BLUEPRINTS)
        assert not names & FORBIDDEN, f"{where} queries or commits: {sorted(names & FORBIDDEN)}"
        assert "db" not in names, f"{where} uses the database session directly"
