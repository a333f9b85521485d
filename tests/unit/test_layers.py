"""The layer table of DESIGN.md, checked on the imports: no arrow runs back up.

    domain   imports nothing of ours          store, gateway, io   domain (and the error tree)
    services (system, employer)  domain, store, gateway, io        workbench  services
    ui       the workbench and below, never the store or the bureau
    bureau   domain only; the client never imports the bureau
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sbflib"
SHARED = {"sbflib.errors", "sbflib.version"}  # the error tree and the version: every layer's

ALLOWED = {
    "domain": {"domain"},
    "store": {"domain", "store"},
    "gateway": {"domain", "gateway"},
    "io": {"domain", "io"},
    "system": {"domain", "store", "gateway", "io", "system", "employer"},  # services are one layer
    "employer": {"domain", "store", "gateway", "io", "system", "employer"},
    "ui": {"ui", "workbench", "domain", "employer", "system", "gateway"},
    "bureau": {"domain", "bureau"},
}


def _ours(module: ast.Module, package: str) -> set[str]:
    """The sbflib modules a file imports (relative imports resolved against its package)."""
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sbflib")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("sbflib"):
                found.add(name)
    return found


def _layer_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_the_design_allows(layer):
    wrong = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        package = "sbflib." + ".".join(path.relative_to(PACKAGE).parent.parts)
        for name in _ours(ast.parse(path.read_text(encoding="utf-8")), package):
            if name in SHARED or name == "sbflib":
                if layer in ("domain", "bureau") and name != "sbflib":
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
                continue
            if _layer_of(name) not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_client_never_imports_the_bureau():
    wrong = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "bureau" not in path.relative_to(PACKAGE).parts[:1] and path.name != "cli.py"
        and any(_layer_of(n) == "bureau" for n in _ours(ast.parse(path.read_text(encoding="utf-8")), "sbflib"))
    ]
    assert not wrong
