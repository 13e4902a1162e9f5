"""The packaged Pioneer registry is exactly what tools/build_pioneers_registry.py makes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCRIPT = ROOT / "tools" / "build_pioneers_registry.py"


@pytest.mark.skipif(not (SHARED / "data" / "ons-geography").is_dir(), reason="no ../shared")
def test_the_committed_csvs_match_a_fresh_build(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_pioneers_registry", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look themselves up
    spec.loader.exec_module(module)
    status = module.main(["--shared", str(SHARED), "--check"])
    assert status == 0, capsys.readouterr().err
