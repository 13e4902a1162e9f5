"""Keep docs/architecture.md honest and the dependency rule enforced."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "pioneer"
LAYERS_ABOVE = ("pioneer.cli", "pioneer.demo", "pioneer.web")


def _documented_modules() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = re.findall(r"^\| `(pioneer[.\w]*)`(?: / `(\w+)`)?", text, flags=re.MULTILINE)
    modules = []
    for name, sibling in names:
        modules.append(name)
        if sibling:
            modules.append(name.rsplit(".", 1)[0] + "." + sibling)
    return modules


def _path_of(module: str) -> Path:
    parts = module.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    return base if base.is_dir() else base.with_suffix(".py")


def test_the_map_names_modules():
    assert len(_documented_modules()) >= 15


@pytest.mark.parametrize("module", _documented_modules())
def test_every_documented_module_exists(module):
    assert _path_of(module).exists(), f"docs/architecture.md names {module}, which does not exist"


def test_every_package_is_documented():
    documented = set(_documented_modules())
    packages = {
        "pioneer." + p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name != "__pycache__"
    }
    undocumented = {
        p for p in packages if not any(d == p or d.startswith(p + ".") for d in documented)
    }
    assert not undocumented, f"add these packages to docs/architecture.md: {undocumented}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_library_never_imports_the_layers_above_it():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts)
        if module.startswith(LAYERS_ABOVE) or module.startswith("pioneer.web"):
            continue
        bad = {i for i in _imports(path) if i.startswith(LAYERS_ABOVE)}
        if bad:
            offenders.append((module, sorted(bad)))
    assert not offenders, offenders


def test_reports_compute_nothing_from_the_survey():
    """Renderers take results; they never import the analysis modules."""
    for path in (PACKAGE / "reports").rglob("*.py"):
        bad = {
            i
            for i in _imports(path)
            if i.startswith(("pioneer.survey", "pioneer.programme", "pioneer.workspace"))
        }
        assert not bad, f"{path.name} imports {bad}"
