"""The parameter registry: units checked on load, provenance required."""

from __future__ import annotations

from pathlib import Path

import pytest

from immunoreset.errors import InputError
from immunoreset.model import SPECS, load_parameter_file, load_parameters

ENTRY = '''
[[parameter]]
name = "{name}"
value = {value}
unit = "{unit}"
status = "literature"
source = "test"
'''


def _file(tmp_path: Path, overrides: dict[str, tuple[float, str]]) -> Path:
    ps = load_parameters()
    text = ""
    for p in ps.parameters:
        value, unit = overrides.get(p.name, (p.value, p.unit))
        text += ENTRY.format(name=p.name, value=value, unit=unit)
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def test_packaged_parameters_load_with_units_and_sources() -> None:
    ps = load_parameters()
    assert list(ps) == [s.name for s in SPECS]
    assert all(p.source.strip() for p in ps.parameters)
    assert all(p.reason.strip() for p in ps.by_status("assumed"))


def test_units_are_converted_to_the_canonical_unit(tmp_path: Path) -> None:
    # 20 h half-life written per hour: ln2/20 per hour = 0.832 per day.
    ps = load_parameter_file(_file(tmp_path, {"fludarabine_elimination_rate": (0.034657, "1/hour")}), SPECS)
    assert ps.value("fludarabine_elimination_rate") == pytest.approx(0.83178, rel=1e-4)


def test_wrong_dimension_is_an_error_naming_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="igg_elimination_rate: unit 'g/L'"):
        load_parameter_file(_file(tmp_path, {"igg_elimination_rate": (0.033, "g/L")}), SPECS)


def test_unknown_parameter_is_an_error(tmp_path: Path) -> None:
    path = _file(tmp_path, {})
    path.write_text(path.read_text() + ENTRY.format(name="bogus_rate", value=1, unit="1/day"))
    with pytest.raises(InputError, match="unknown parameter 'bogus_rate'"):
        load_parameter_file(path, SPECS)


def test_malformed_toml_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[parameter]\nname=")
    with pytest.raises(InputError, match="malformed TOML"):
        load_parameter_file(path, SPECS)
