"""The README's Python snippets run (the GPU one with device="cpu", at small N)."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def _snippet(marker: str) -> str:
    (code,) = [c for c in SNIPPETS if marker in c]
    return code


def test_python_api_snippet_runs(capsys) -> None:
    code = _snippet("patient_readouts(result)").replace("sample_cohort(100,", "sample_cohort(4,")
    exec(compile(code, "README.md", "exec"), {})
    assert "count" in capsys.readouterr().out


def test_gpu_snippet_runs_on_the_cpu(capsys) -> None:
    code = _snippet('device="cuda"')
    assert "sample_cohort(1000," in code
    code = code.replace('device="cuda"', 'device="cpu"').replace("sample_cohort(1000,", "sample_cohort(8,")
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "8 of 8 patients solved"
