"""``immunoreset sensitivity``: a small Sobol run on the SLE model writes its results, and
bad specs are one-line refusals before any output exists."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.model import load_parameters

STUDY = Path(__file__).resolve().parents[2] / "examples" / "fit" / "study.toml"


def _spec(tmp_path: Path, extra: str = "", endpoints: str = '["b_cells_blood@90", "b_cell_return_day"]') -> Path:
    params = load_parameters()
    # Two long-established parameters with variability, looked up at test time.
    names = [p.name for p in params.parameters if p.iiv_cv > 0][:2]
    body = "\n".join(f'[[sensitivity.parameter]]\nname = "{n}"\nrange = "variability"\n' for n in names)
    path = tmp_path / "gsa.toml"
    path.write_text(f'[sensitivity]\nstudy = "{STUDY}"\narm = "car_t"\nmethod = "sobol"\nn = 4\n'
                    f"seed = 3\nendpoints = {endpoints}\n{extra}\n{body}", encoding="utf-8")
    return path


def test_a_small_sobol_run_writes_indices_samples_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["sensitivity", str(_spec(tmp_path)), "--out", str(out)]) == 0
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["index"]) == {"S1", "ST"} and len(indices) == 2 * 2 * 2
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 4 * (2 + 2) and (samples["status"] == "ok").all()
    assert "Sobol" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("endpoints", "message"), [
    ('["b_cells_blood@9999"]', r"day 9999 of b_cells_blood is not a simulated day"),
    ('["no_such_readout"]', r"'no_such_readout' is not a read-out"),
])
def test_bad_endpoints_are_refused_before_any_output(tmp_path: Path, capsys, endpoints, message) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert main(["sensitivity", str(_spec(tmp_path, endpoints=endpoints)), "--out", str(out)]) == 2
    import re

    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()
