"""Per-patient reference solves with SciPy ``solve_ivp`` (an independent implementation).

Used to check the batched engine against a tight-tolerance solution and as the baseline
of the engine benchmark (a per-patient Python loop, as a user of scipy would write it).
The same numba right-hand side is called through a small Python wrapper; integration is
split at each event time and the jump applied in between.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from immunoreset.model import CompiledModel, default_model

__all__ = ["solve_patient_scipy"]


def solve_patient_scipy(y0: np.ndarray, params: np.ndarray, t_save: np.ndarray,
                        events: Sequence[tuple[float, int, float]], *, method: str = "Radau",
                        rtol: float = 1e-10, atol: float = 1e-12,
                        model: CompiledModel | None = None, jac: bool = False) -> np.ndarray:
    """Solve one patient; returns states at ``t_save``, shape ``(n_times, n_states)``.

    ``events``: ``(day, state_index, amount)`` jumps, applied before integrating onward;
    ``model``: the default model if None; ``jac``: give the implicit methods (BDF, Radau,
    LSODA) the model's analytic Jacobian instead of letting them difference the RHS.
    """
    compiled = default_model() if model is None else model
    rhs = compiled.rhs
    from scipy.integrate import solve_ivp  # imported here: only tests and benchmarks need it

    y = np.array(y0, dtype=np.float64)
    p = np.asarray(params, dtype=np.float64)
    out = np.full((t_save.size, y.size), np.nan)
    dydt = np.zeros_like(y)

    def f(t: float, state: np.ndarray) -> np.ndarray:
        rhs(t, state, p, dydt)
        return dydt.copy()

    jmat = np.zeros((y.size, y.size))
    model_jac = compiled.jac

    def jf(t: float, state: np.ndarray) -> np.ndarray:
        model_jac(t, state, p, jmat)
        return jmat.copy()

    evs = sorted(events, key=lambda e: (e[0], e[1]))
    bounds = sorted({float(e[0]) for e in evs if t_save[0] <= e[0] <= t_save[-1]} | {float(t_save[-1])})
    t = float(t_save[0])
    k = 0
    for b in bounds:
        while k < len(evs) and evs[k][0] <= t:
            y[int(evs[k][1])] += evs[k][2]
            k += 1
        mask = (t_save >= t) & (t_save <= b)
        if np.isclose(t_save[mask][:1], t).any():  # value at a segment start, after its jumps
            out[np.flatnonzero(mask)[0]] = y
        if b > t:
            # One solve per segment: its end (the next event, or the last day) is always
            # evaluated, and kept in the output only where it is a save time.
            inside = mask & (t_save > t)
            saved = t_save[inside]
            ends_on_save = saved.size > 0 and saved[-1] == b
            t_eval = saved if ends_on_save else np.append(saved, b)
            sol = solve_ivp(f, (t, b), y, method=method, rtol=rtol, atol=atol, t_eval=t_eval,
                            dense_output=False, jac=jf if jac else None)
            if not sol.success:
                raise RuntimeError(f"scipy {method} failed: {sol.message}")
            out[inside] = sol.y.T[: saved.size]
            y = sol.y[:, -1].copy()
            t = b
    while k < len(evs) and evs[k][0] <= t:
        y[int(evs[k][1])] += evs[k][2]
        k += 1
    return out
