"""The pre-treatment steady state of any composed model, by pseudo-transient continuation.

A patient's baseline is an attractor of its untreated model without flare triggers. The
equilibrium and the derived set points are solved together: the generated
``steady_rhs``/``steady_jac`` read each derived value through its definition, so at the
solution the set points equal what they describe (the marrow feedback is at rest).

Search, vectorised over patients (Kelley & Keyes 1998, "Convergence analysis of
pseudo-transient continuation", SIAM J Numer Anal 35:508):

    (I / Δt_k - J(y_k)) δ = f(y_k),   y_{k+1} = y_k + δ,
    Δt_{k+1} = Δt_k · ‖f(y_{k-1})‖ / ‖f(y_k)‖   (switched evolution relaxation)

Small first steps follow the dynamics (backward Euler), so the search stays in the basin
of its start; growing steps turn it into Newton's method, which converges quadratically
once close. Each model declares two starts per state: ``start`` (the basin of the
untreated patient, e.g. active disease) and ``rest`` (the other basin). A patient *has*
the ``start`` attractor when both searches converge, to different equilibria, and the
``start`` equilibrium is stable (every Jacobian eigenvalue with a negative real part,
leaving out the states with no dynamics of their own: rates set by a regimen) and
non-negative (a model that declares no ``rest`` anywhere has one basin, and its patient
has the attractor when the search converges to a stable, non-negative state). For the SLE model this is "an inflamed attractor exists" (the disease-free
equilibrium always does: its immune-complex loop is off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from immunoreset.model._build import CompiledModel

__all__ = ["EquilibriumSettings", "equilibrium"]


@dataclass(frozen=True)
class EquilibriumSettings:
    """Numerical settings of the search (days and relative sizes)."""

    first_step_days: float = 1.0
    max_iterations: int = 400
    max_growth: float = 100.0
    #: Converged when every update is below this relative to |y| + ``scale_floor``.
    rtol: float = 1e-13
    scale_floor: float = 1e-12
    #: Two equilibria differ when some state differs by more than this, relatively.
    distinct_rtol: float = 1e-6
    #: Values within this of zero (state units) are rounding residue of the linear
    #: solves around an exact zero (an undosed drug, absent CAR-T) and are set to 0.
    negative_atol: float = 1e-12


DEFAULT_EQUILIBRIUM = EquilibriumSettings()


def _ptc(model: CompiledModel, y: np.ndarray, p: np.ndarray,
         settings: EquilibriumSettings) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-transient continuation from ``y`` (modified in place); returns (y, converged)."""
    gen = model.generated
    n, m = y.shape
    eye = np.eye(m)
    dt = np.full(n, settings.first_step_days)
    converged = np.zeros(n, dtype=bool)
    active = np.arange(n)
    f = np.empty((n, m))
    gen.steady_rhs(y, p, f)
    norm = np.linalg.norm(f / (np.abs(y) + 1.0), axis=1)
    jac = np.empty((n, m, m))
    with np.errstate(all="ignore"):
        for _ in range(settings.max_iterations):
            if active.size == 0:
                break
            ya, pa = y[active], p[active]
            ja = jac[: active.size]
            gen.steady_jac(ya, pa, ja)
            a = eye[None] / dt[active, None, None] - ja
            try:
                delta = np.linalg.solve(a, f[active][..., None])[..., 0]
            except np.linalg.LinAlgError:
                delta = np.stack([_solve_or_nan(a[i], f[active[i]]) for i in range(active.size)])
            # States are amounts and concentrations: a step below zero is an overshoot
            # (the clamped rates are flat there and hold spurious equilibria).
            ya = np.maximum(ya + delta, 0.0)
            delta = ya - y[active]
            fa = np.empty_like(ya)
            gen.steady_rhs(ya, pa, fa)
            new_norm = np.linalg.norm(fa / (np.abs(ya) + 1.0), axis=1)
            y[active], f[active] = ya, fa
            ratio = np.where(new_norm > 0, norm[active] / new_norm, settings.max_growth)
            dt[active] *= np.clip(ratio, 0.5, settings.max_growth)
            norm[active] = new_norm
            done = np.all(np.abs(delta) <= settings.rtol * (np.abs(ya) + settings.scale_floor),
                          axis=1)
            bad = ~np.all(np.isfinite(ya), axis=1)
            converged[active[done & ~bad]] = True
            active = active[~done & ~bad]
    return y, converged


def _solve_or_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.full_like(b, np.nan)


def equilibrium(model: CompiledModel, params: np.ndarray, *,
                settings: EquilibriumSettings = DEFAULT_EQUILIBRIUM,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pre-treatment steady state of each patient (see the module docstring).

    Parameters
    ----------
    model:
        The compiled model.
    params:
        ``(n_patients, n_parameters)`` parameter vectors; the derived slots are ignored and
        overwritten.

    Returns
    -------
    y0, params, found:
        ``(n_patients, n_states)`` equilibria (NaN rows where not found), a copy of
        ``params`` with the derived values filled in, and ``(n_patients,)`` booleans:
        False where the patient has no stable attractor of the ``start`` basin.
    """
    p = np.array(params, dtype=np.float64, copy=True, order="C")
    if p.ndim != 2 or p.shape[1] != model.n_parameters:
        raise ValueError(f"params: expected shape (n, {model.n_parameters}), got {p.shape}")
    start, rest = model.start_states(p, "start"), model.start_states(p, "rest")
    # A model that declares no other basin (every state's ``rest`` is its ``start``) has
    # one attractor: the "distinct from the other basin" test does not apply to it.
    one_basin = np.array_equal(start, rest)
    y_start, ok_start = _ptc(model, start, p, settings)
    y_rest, ok_rest = (y_start, ok_start) if one_basin else _ptc(model, rest, p, settings)
    gen = model.generated
    y_start[np.abs(y_start) < settings.negative_atol] = 0.0
    finite = np.all(np.isfinite(y_start), axis=1)
    gen.fill_derived(np.where(finite[:, None], y_start, 0.0), p)
    scale = np.abs(y_start) + np.abs(y_rest) + settings.scale_floor
    distinct = np.any(np.abs(y_start - y_rest) > settings.distinct_rtol * scale, axis=1)
    nonneg = np.all(y_start >= -settings.negative_atol, axis=1)
    found = ok_start & ok_rest & finite & (distinct | one_basin) & nonneg
    idx = np.flatnonzero(found)
    if idx.size:
        jac = np.empty((model.n_states, model.n_states))
        t = 0.0
        stable = np.zeros(idx.size, dtype=bool)
        for q, i in enumerate(idx):
            model.jac(t, y_start[i], p[i], jac)
            # A state whose Jacobian row is identically zero has no dynamics of its own (a
            # rate set by the regimen, e.g. a daily oral dose): its eigenvalue is exactly 0
            # and the others are those of the Jacobian without its row and column.
            live = np.flatnonzero(np.any(jac != 0.0, axis=1))
            stable[q] = np.linalg.eigvals(jac[np.ix_(live, live)]).real.max() < 0.0
        found[idx[~stable]] = False
    y = np.where(found[:, None], y_start, np.nan)
    return y, p, found
