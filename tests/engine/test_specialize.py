"""Specialised kernels: the same results as the generic kernel, cached on disk, keyed to the
sources they were compiled from.

The SLE model's specialised kernel is the one the simulation layer uses, so compiling it
here costs nothing extra in a full test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.engine._specialize import _digest, specialized_kernel
from immunoreset.errors import InputError
from immunoreset.model import jac, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_DAYS, DEFAULT_SOLVER, patient_events
from immunoreset.therapy import Regimen


def test_specialised_kernel_gives_bit_identical_results_to_the_generic_kernel() -> None:
    cohort = sample_cohort(6, load_parameters(), seed=11)
    regimen = Regimen.erlangen_car_t()
    events = EventSchedule.from_lists(patient_events(cohort, regimen))
    runs = [
        solve_batch(rhs, cohort.y0, cohort.params, DEFAULT_DAYS, events=events,
                    settings=DEFAULT_SOLVER, jac=jac, specialize=specialize)
        for specialize in (False, True)
    ]  # fmt: skip
    generic, special = runs
    assert (generic.status == 0).all()
    np.testing.assert_array_equal(special.y, generic.y)
    np.testing.assert_array_equal(special.n_steps, generic.n_steps)
    np.testing.assert_array_equal(special.n_rhs, generic.n_rhs)


SCRIPT = textwrap.dedent(
    """
    import json, time
    from immunoreset.engine._kernel import no_jac, JAC_SIGNATURE
    from immunoreset.engine._specialize import specialized_kernel
    from immunoreset.model import jac, rhs

    no_jac.compile(JAC_SIGNATURE)  # numba's one-time initialisation, not ours
    start = time.perf_counter()
    kernel = specialized_kernel(rhs, jac)
    load_s = time.perf_counter() - start
    print(json.dumps({
        "hits": sum(kernel.stats.cache_hits.values()),
        "misses": sum(kernel.stats.cache_misses.values()),
        "load_s": load_s,
    }))
    """
)


def test_second_process_loads_the_specialised_kernel_from_disk_cache() -> None:
    kernel = specialized_kernel(rhs, jac)  # compiled (or loaded) and saved by this process
    # numba refuses to cache code with "dynamic globals" (Python object addresses); the
    # direct references exist to avoid them.
    assert all(not cres.library.has_dynamic_globals for cres in kernel.overloads.values())
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300, check=True)  # fmt: skip
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["hits"] == 1 and report["misses"] == 0, report
    assert report["load_s"] < 2.0, report  # generous bound for loaded CI machines


def test_specialize_rejects_a_function_that_cannot_be_imported_by_name() -> None:
    def make():  # a jitted function that is not a module attribute
        @njit
        def local_rhs(t, y, p, dydt):
            dydt[0] = -y[0]

        return local_rhs

    with pytest.raises(InputError, match="specialize=True needs rhs to be a module-level"):
        solve_batch(make(), np.ones((1, 1)), np.ones((1, 0)), np.array([0.0, 1.0]),
                    specialize=True)  # fmt: skip


def test_kernel_digest_changes_with_any_source_file_of_the_model_package(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    package = tmp_path / "toy_model"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "constants.py").write_text("RATE_INDEX = 0\n")
    (package / "equations.py").write_text(
        "from numba import njit\n"
        "from toy_model.constants import RATE_INDEX\n"
        "@njit\n"
        "def f(t, y, p, dydt):\n"
        "    dydt[0] = -p[RATE_INDEX] * y[0]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import toy_model.equations  # type: ignore[import-not-found]

    addresses = [("toy_model.equations", "f"), ("immunoreset.engine._kernel", "no_jac")]
    before = _digest(addresses)
    assert _digest(addresses) == before
    # An edit to a file the RHS only imports from still changes what would be compiled.
    (package / "constants.py").write_text("RATE_INDEX = 1\n")
    assert _digest(addresses) != before
    assert toy_model.equations.f is not None
