"""Composing modules: merge by state name, flows conserve, names and units are checked."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from immunoreset.errors import InputError
from immunoreset.model import ParameterSpec
from immunoreset.model._build import ModelSpec, build_model
from immunoreset.model._compose import compose
from immunoreset.model._units import check_units
from immunoreset.model.declare import Flow, Module, State, Term, k, x

SPECS = (ParameterSpec("transfer_rate", "1/day", "a to b"),
         ParameterSpec("loss_rate", "1/day", "loss from b"),
         ParameterSpec("volume", "L", "a volume"))


def _pair(**changes) -> Module:
    spec = dict(
        name="pair", meaning="two pools",
        states=(State("a", "cell/uL", "pool a", "blood"), State("b", "cell/uL", "pool b", "tissue")),
        parameters=("transfer_rate",),
        flows=(Flow("a", "b", k.transfer_rate * x.a, "transfer"),))
    spec.update(changes)
    return Module(**spec)


def test_a_flow_leaves_its_source_and_enters_its_target():
    model = compose([_pair()], SPECS)
    da, db = model.derivatives
    assert sp.simplify(da + db) == 0
    a = sp.Symbol("a", real=True)
    assert da == -sp.Symbol("transfer_rate", real=True) * _pos(a)


def _pos(u):
    from immunoreset.model.declare import pos
    return pos(u)


def test_terms_from_several_modules_add_up_on_one_state():
    killer = Module("killer", "kills b", parameters=("loss_rate",),
                    terms=(Term("b", -k.loss_rate * x.b, "kill"),))
    model = compose([_pair(), killer], SPECS)
    b = _pos(sp.Symbol("b", real=True))
    assert sp.expand(model.derivatives[1]
                     - (sp.Symbol("transfer_rate", real=True) * _pos(sp.Symbol("a", real=True))
                        - sp.Symbol("loss_rate", real=True) * b)) == 0


def test_a_state_declared_by_two_modules_is_refused():
    other = Module("other", "again", states=(State("a", "cell/uL", "again", "blood"),))
    with pytest.raises(InputError, match="module other: state 'a' is already a state of module pair"):
        compose([_pair(), other], SPECS)


def test_an_undeclared_parameter_is_refused_with_the_module_and_name():
    with pytest.raises(InputError, match="module pair, flow 'transfer': name 'loss_rate' is declared by another"):
        compose([_pair(flows=(Flow("a", "b", k.loss_rate * x.a, "transfer"),))], SPECS)


def test_a_declared_but_unused_parameter_is_refused():
    with pytest.raises(InputError, match="parameter 'loss_rate' is declared but not used"):
        compose([_pair(parameters=("transfer_rate", "loss_rate"))], SPECS)


def test_a_parameter_without_a_spec_is_refused():
    with pytest.raises(InputError, match="parameter 'missing' has no entry in the parameter files"):
        compose([_pair(parameters=("transfer_rate", "missing"))], SPECS)


def test_a_flow_to_an_unknown_state_is_refused():
    with pytest.raises(InputError, match="flow 'transfer': unknown state 'c'"):
        compose([_pair(flows=(Flow("a", "c", k.transfer_rate * x.a, "transfer"),))], SPECS)


def test_a_term_in_the_wrong_unit_names_module_state_term_and_both_units():
    bad = Module("bad", "a wrong unit", parameters=("volume",),
                 terms=(Term("b", k.volume * x.b, "volume times cells"),))
    model = compose([_pair(), bad], SPECS)
    with pytest.raises(InputError, match=r"module bad, state b, term 'volume times cells': term is "
                       r"in cells \* l / µl, expected cell/uL/day"):
        check_units(model)


def test_a_log_of_a_quantity_with_a_unit_is_refused():
    bad = Module("bad", "log of cells", parameters=("loss_rate",),
                 terms=(Term("b", -k.loss_rate * x.b * sp.log(x.b), "log of cells"),))
    with pytest.raises(InputError, match="the argument of log must be dimensionless"):
        check_units(compose([_pair(), bad], SPECS))


def test_adding_litres_and_millilitres_is_refused_even_though_both_are_volumes():
    mixed = (*SPECS, ParameterSpec("small_volume", "mL", "another volume"))
    bad = Module("bad", "mixed volumes", parameters=("volume", "small_volume", "loss_rate"),
                 terms=(Term("b", -k.loss_rate * x.b * (k.volume + k.small_volume) / k.volume,
                             "mixed"),))
    with pytest.raises(InputError, match="cannot add"):
        check_units(compose([_pair(), bad], mixed))


def test_the_sle_model_passes_its_unit_check():
    from immunoreset.model._build import compose_spec
    from immunoreset.model._sle import SLE_CD19_CART

    model = compose_spec(SLE_CD19_CART)  # raises on any unit error
    assert len(model.states) == 28


def test_a_built_model_is_cached_and_a_new_process_loads_it_without_sympy(tmp_path, monkeypatch):
    monkeypatch.setenv("IMMUNORESET_CACHE_DIR", str(tmp_path))
    from immunoreset.model._sle import SLE_CD19_CART

    spec = ModelSpec("cached_copy", SLE_CD19_CART.modules, SLE_CD19_CART.parameters)
    model = build_model(spec)
    assert model.source_file.parent == tmp_path and model.source_file.is_file()
    mtime = model.source_file.stat().st_mtime_ns
    code = (
        "import sys\n"
        "from immunoreset.model._build import ModelSpec, build_model\n"
        "from immunoreset.model._sle import SLE_CD19_CART\n"
        "m = build_model(ModelSpec('cached_copy', SLE_CD19_CART.modules, SLE_CD19_CART.parameters))\n"
        "print(m.n_states, 'sympy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "IMMUNORESET_CACHE_DIR": str(tmp_path)})
    assert out.stdout.split() == [str(model.n_states), "False"]
    assert model.source_file.stat().st_mtime_ns == mtime
    y = np.ones(model.n_states)
    f = np.zeros(model.n_states)
    model.rhs(0.0, y, np.ones(model.n_parameters), f)
    assert np.all(np.isfinite(f))


def test_named_expressions_in_a_cycle_are_refused():
    from immunoreset.model.declare import Expression, e

    loop = _pair(expressions=(Expression("p", e.q * 2, "p"), Expression("q", e.p / 2, "q")),
                 flows=(Flow("a", "b", k.transfer_rate * x.a * e.p, "transfer"),))
    with pytest.raises(InputError, match="named expressions refer to each other in a cycle: p -> q -> p"):
        compose([loop], SPECS)
