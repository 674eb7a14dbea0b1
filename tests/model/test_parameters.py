"""The parameter registry: units checked on load, provenance required."""

from __future__ import annotations

from pathlib import Path

import pytest

from immunoreset.errors import InputError
from immunoreset.model import SPECS, ParameterSpec, load_parameter_file, load_parameters

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
    ps = load_parameter_file(_file(tmp_path, {"cyclophosphamide_elimination_rate": (0.0925, "1/hour")}), SPECS)
    assert ps.value("cyclophosphamide_elimination_rate") == pytest.approx(2.22, rel=1e-4)


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


def test_a_prior_is_read_converted_and_written_back(tmp_path: Path) -> None:
    """A log-normal prior travels with its parameter (canonical unit) through a file."""
    from immunoreset.model import write_parameter_file

    spec = ParameterSpec("death_rate", "1/day", "a death rate")
    path = tmp_path / "p.toml"
    path.write_text('[[parameter]]\nname = "death_rate"\nvalue = 1.0\nunit = "1/hour"\n'
                    'status = "calibrated"\nsource = "fit"\nprior = 0.5\nprior_log_sd = 0.3\n'
                    'prior_source = "a paper, Table 1"\n')
    p = load_parameter_file(path, [spec])["death_rate"]
    assert p.value == pytest.approx(24.0) and p.prior == pytest.approx(12.0)
    assert p.prior_log_sd == 0.3 and p.prior_source == "a paper, Table 1"
    out = write_parameter_file(load_parameter_file(path, [spec]), tmp_path / "q.toml")
    assert load_parameter_file(out, [spec])["death_rate"].prior == pytest.approx(12.0)
    path.write_text(path.read_text().replace('prior_source = "a paper, Table 1"\n', ""))
    with pytest.raises(InputError, match="death_rate: a prior needs a prior_source"):
        load_parameter_file(path, [spec])
