"""One patient's predictions and their derivatives with respect to chosen parameters.

A patient is the model's pre-treatment steady state for its parameters, then its doses
(the arm's regimen dosed by its body size, and any dosing-table jumps). For parameters
``θ`` (estimated on the log scale) the predictions of each observable at each time and
their derivatives ``∂ obs / ∂ log θ`` come from *forward sensitivities*:

1. the equilibrium and its sensitivity ``∂y_ss/∂θ = -(∂f_ss/∂y)⁻¹ ∂f_ss/∂θ`` (derived set
   points move with it), from the generated derivatives
   (:mod:`immunoreset.model._sensitivity`);
2. the states and ``S = ∂y/∂θ`` integrated together, ``dS/dt = J S + ∂f/∂p · ∂p/∂θ``,
   by SciPy's LSODA (Petzold 1983; stiff/non-stiff switching) with the block-diagonal
   Jacobian, split at each dose; a dose whose amount depends on θ (a CAR-T dose through a
   distribution volume) moves ``S`` by the amount's derivative;
3. observables from the states with the simulator's read-out function; their derivative
   is its directional derivative along ``S`` (central difference of step ``1e-6`` in
   ``log θ``: exact for the read-outs that are sums of states, second order for ratios).

The tests check the result against finite differences of whole simulations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from immunoreset.errors import InputError
from immunoreset.estimation._observables import ObservableCatalogue
from immunoreset.model import CompiledModel, equilibrium
from immunoreset.model._sensitivity import ParameterDerivatives, parameter_derivatives
from immunoreset.therapy import Regimen

__all__ = ["DEFAULT_START_DAY", "ForwardModel", "ForwardSettings", "Prediction", "Subject"]

#: The simulator's first day (screening, before lymphodepletion on day −5).
DEFAULT_START_DAY = -7.0
#: Step of the directional derivative of the read-outs, in log θ.
READOUT_STEP = 1e-6


@dataclass(frozen=True)
class ForwardSettings:
    """Integration tolerances of the state and sensitivity system (LSODA)."""

    rtol: float = 1e-7
    atol: float = 1e-9
    max_step_days: float = math.inf

    def __post_init__(self) -> None:
        for name in ("rtol", "atol"):
            v = getattr(self, name)
            if not (isinstance(v, float) and 0 < v < 1):
                raise InputError(f"solver.{name}: got {v!r}, expected a number in (0, 1)")


DEFAULT_FORWARD_SETTINGS = ForwardSettings()


@dataclass(frozen=True)
class Subject:
    """One patient: covariates for dosing, the arm's regimen and extra state jumps."""

    patient_id: str
    regimen: Regimen | None = None
    extra_events: tuple[tuple[float, int, float], ...] = ()
    height_cm: float = math.nan
    weight_kg: float = math.nan
    sex: str = "NA"
    age: float = math.nan

    def __post_init__(self) -> None:
        if self.regimen is not None and (self.regimen.lymphodepletion.doses or self.regimen.car_t
                                         is not None):
            if not (self.height_cm > 0 and self.weight_kg > 0):
                raise InputError(f"patient {self.patient_id}: the arm doses by body size; give "
                                 "height_cm and weight_kg in the covariates table")


@dataclass(frozen=True)
class Prediction:
    """Predictions ``values[j, t]`` of observable ``names[j]`` at ``times[t]``;
    ``sensitivities[j, t, k]`` = ∂ value / ∂ log θ_k (``None`` when not asked).
    ``ok`` is False when the patient has no pre-treatment steady state or the solve failed
    (``message`` says which)."""

    names: tuple[str, ...]
    times: np.ndarray
    values: np.ndarray
    sensitivities: np.ndarray | None
    ok: bool
    message: str = ""
    params: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y0: np.ndarray = field(default_factory=lambda: np.zeros(0))


class ForwardModel:
    """Predictions of one model for chosen parameters (see the module docstring).

    Main arguments: ``model`` (compiled), ``base`` the parameter vector of the typical
    patient ``(n_parameters,)`` or ``(n_file_parameters,)``, ``estimated`` the names of the
    parameters θ (file parameters of the model).
    """

    def __init__(self, model: CompiledModel, base: np.ndarray, estimated: Sequence[str], *,
                 catalogue: ObservableCatalogue, settings: ForwardSettings = DEFAULT_FORWARD_SETTINGS,
                 ) -> None:
        self.model = model
        n_file = len(model.parameter_names)
        b = np.asarray(base, dtype=np.float64)
        if b.size == n_file:
            b = np.concatenate([b, np.zeros(len(model.derived_names))])
        if b.size != model.n_parameters:
            raise ValueError(f"base: expected {model.n_parameters} values, got {b.size}")
        self.base = b
        self.estimated = tuple(estimated)
        for name in self.estimated:
            if name not in model.parameter_names:
                raise InputError(f"--params: {name!r} is not a parameter of model {model.name}")
        self.columns = np.array([model.parameter_index[n] for n in self.estimated], dtype=np.int64)
        self.catalogue = catalogue
        self.settings = settings
        self._derivatives: ParameterDerivatives | None = None

    @property
    def derivatives(self) -> ParameterDerivatives:
        if self._derivatives is None:
            self._derivatives = parameter_derivatives(self.model)
        return self._derivatives

    @property
    def typical(self) -> np.ndarray:
        """log θ of the typical patient ``(k,)``."""
        return np.log(self.base[self.columns])

    def vector(self, log_theta: np.ndarray) -> np.ndarray:
        """The parameter vector with θ set (derived slots not yet filled)."""
        p = self.base.copy()
        p[self.columns] = np.exp(log_theta)
        return p

    def events(self, subject: Subject, params: np.ndarray) -> list[tuple[float, int, float]]:
        """The patient's state jumps for the parameter vector ``params``."""
        ev = list(subject.extra_events)
        if subject.regimen is not None:
            from immunoreset.population import Cohort
            from immunoreset.simulation import patient_events

            one = Cohort((subject.patient_id,), (subject.sex,), np.array([subject.age]),
                         np.array([subject.height_cm]), np.array([subject.weight_kg]),
                         params[None], np.zeros((1, self.model.n_states)),
                         np.zeros((1, 0)), ((),), np.array([True]), np.array([1]), self.model)
            ev += patient_events(one, subject.regimen, flares=False)[0]
        return sorted(ev, key=lambda e: (e[0], e[1]))

    def start_day(self, subject: Subject, days: np.ndarray) -> float:
        """The first day solved: the simulator's day −7, or earlier for an earlier dose
        or observation."""
        ev = self.events(subject, self.base)
        first = min([DEFAULT_START_DAY, *(e[0] for e in ev)] + ([float(days.min())] if days.size else []))
        return float(first)

    def predict(self, log_theta: np.ndarray, subject: Subject, days: np.ndarray,
                names: tuple[str, ...], *, sensitivities: bool = True,
                start_day: float | None = None) -> Prediction:
        """Predictions of ``names`` at ``days`` (sorted, unique) for θ = exp(``log_theta``)."""
        from scipy.integrate import solve_ivp

        m = self.model
        k = self.columns.size if sensitivities else 0
        n = m.n_states
        t0 = self.start_day(subject, days) if start_day is None else start_day
        times = np.unique(np.concatenate([[t0], days]))
        empty = np.full((len(names), times.size), np.nan)
        p = self.vector(np.asarray(log_theta, dtype=np.float64))
        y0, full, found = equilibrium(m, p[None])
        if not found[0]:
            return Prediction(names, times, empty, None, False,
                              "no pre-treatment steady state for these parameters", full[0], y0[0])
        p = full[0]
        theta = np.exp(np.asarray(log_theta, dtype=np.float64))
        if k:
            dy0, dp = self.derivatives.steady_state_sensitivity(y0[0], p, self.columns)
            dy0, dp = dy0 * theta, dp * theta  # per log θ
        else:
            dy0, dp = np.zeros((n, 0)), np.zeros((m.n_parameters, 0))
        events = self.events(subject, p)
        jumps = self._event_sensitivities(subject, p, events, theta) if k else None
        rhs, jac = m.rhs, m.jac
        dfdp = self.derivatives.generated.dfdp
        dydt = np.zeros(n)
        jmat = np.zeros((n, n))
        dmat = np.zeros((n, m.n_parameters))
        big = np.zeros((n * (k + 1), n * (k + 1)))

        def f(t: float, z: np.ndarray) -> np.ndarray:
            y = z[:n]
            rhs(t, y, p, dydt)
            if not k:
                return dydt.copy()
            jac(t, y, p, jmat)
            dfdp(t, y, p, dmat)
            s = z[n:].reshape(n, k)
            return np.concatenate([dydt, (jmat @ s + dmat @ dp).ravel()])

        def fjac(t: float, z: np.ndarray) -> np.ndarray:
            jac(t, z[:n], p, jmat)
            if not k:
                return jmat.copy()
            big[:n, :n] = jmat
            # d(J S)/dS: J acting on each sensitivity column (S stored row-major, n × k).
            big[n:, n:] = np.kron(jmat, np.eye(k))
            return big

        z = np.concatenate([y0[0], dy0.ravel()])
        out = np.full((times.size, z.size), np.nan)
        bounds = sorted({e[0] for e in events if times[0] < e[0] <= times[-1]} | {float(times[-1])})
        t = float(times[0])
        e_i = 0
        s = self.settings

        def apply_jumps(t_now: float) -> None:
            nonlocal e_i
            while e_i < len(events) and events[e_i][0] <= t_now:
                _, state, amount = events[e_i]
                z[state] += amount
                if jumps is not None:
                    z[n + state * k: n + (state + 1) * k] += jumps[e_i]
                e_i += 1

        for b in bounds:
            apply_jumps(t)
            mask = (times >= t) & (times <= b)
            if times[mask].size and times[mask][0] == t:
                out[np.flatnonzero(mask)[0]] = z
            if b > t:
                inside = mask & (times > t)
                t_eval = np.unique(np.append(times[inside], b))
                sol = solve_ivp(f, (t, b), z, method="LSODA", t_eval=t_eval, rtol=s.rtol,
                                atol=s.atol, jac=fjac, max_step=s.max_step_days)
                if not sol.success:
                    return Prediction(names, times, empty, None, False,
                                      f"LSODA failed: {sol.message}", p, y0[0])
                out[inside] = sol.y.T[np.isin(t_eval, times[inside])]
                z = sol.y[:, -1].copy()
                t = b
        ys = out[:, :n]
        cat = self.catalogue
        values = cat.evaluate(ys[None], p[None], names)[0]
        sens = None
        if k:
            S = out[:, n:].reshape(times.size, n, k)
            h = READOUT_STEP
            y_pm = np.concatenate([ys[None] + h * S.transpose(2, 0, 1), ys[None] - h * S.transpose(2, 0, 1)])
            p_pm = np.concatenate([p[None] + h * dp.T, p[None] - h * dp.T])
            both = cat.evaluate(y_pm, p_pm, names)
            sens = ((both[:k] - both[k:]) / (2 * h)).transpose(1, 2, 0)
        ok = bool(np.all(np.isfinite(values)))
        return Prediction(names, times, values, sens, ok, "" if ok else "non-finite prediction",
                          p, y0[0])

    def _event_sensitivities(self, subject: Subject, p: np.ndarray,
                             events: list[tuple[float, int, float]],
                             theta: np.ndarray) -> np.ndarray:
        """∂ amount / ∂ log θ of each jump ``(n_events, k)``: central differences of the
        dosing (no solve), zero for jumps that do not depend on θ."""
        k = self.columns.size
        out = np.zeros((len(events), k))
        if subject.regimen is None:
            return out
        h = 1e-6
        for j, c in enumerate(self.columns):
            up, down = p.copy(), p.copy()
            up[c] *= math.exp(h)
            down[c] *= math.exp(-h)
            a, b = self.events(subject, up), self.events(subject, down)
            if len(a) != len(events) or len(b) != len(events):
                continue
            out[:, j] = [(x[2] - y[2]) / (2 * h) for x, y in zip(a, b, strict=True)]
        return out
