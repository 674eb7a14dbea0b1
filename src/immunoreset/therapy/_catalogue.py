"""The therapy catalogue: drugs, their named regimens, CAR-T products and lymphodepletion
regimens, read from the packaged data files under ``therapy/data``.

* ``drugs/*.toml``: ``[[drug]]`` entries (the model modules a drug needs, the state a bolus
  dose adds to, the state holding an infusion or daily-dose rate) and ``[[regimen]]``
  entries (named schedules of doses or of rate segments);
* ``products/*.toml``: ``[[product]]`` entries (CAR-T products: target, class, the modules
  and the infused state they need);
* ``lymphodepletion.toml``: ``[[regimen]]`` entries (named fludarabine/cyclophosphamide
  schedules).

Every entry names its source. The catalogue is data: adding a drug is adding a model module
(``immunoreset.model.therapies``) and an entry here, no code. Files are read once per
process (:func:`catalogue`); a malformed entry is an :class:`~immunoreset.errors.InputError`
naming the file, the entry and the field.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from immunoreset.errors import InputError
from immunoreset.therapy._drugs import DOSE_UNITS, RATE_UNITS, DrugRegimen, RateSegment
from immunoreset.therapy._regimen import CAR_T_TARGETS, Dose, Lymphodepletion

__all__ = ["CAR_T_TARGETS", "DRUG_RECORDS", "PRODUCT_KINDS", "Catalogue", "Drug", "Product", "catalogue"]

#: Product classes: autologous integrating, allogeneic (host rejection), mRNA
#: (non-integrating, no proliferation).
PRODUCT_KINDS = ("autologous", "allogeneic", "mrna")


@dataclass(frozen=True)
class Drug:
    """A drug: the therapy modules it needs and the states its doses enter.

    ``dose_state``: the state a bolus dose adds to (mg); ``infusion_state``: the state
    holding an infusion or daily-dose rate (mg/day); either may be empty."""

    name: str
    label: str
    kind: str
    modules: tuple[str, ...]
    dose_state: str
    infusion_state: str
    source: str
    record: str = ""


#: How the clinical visit record counts a drug (DORIS, LLDAS): as prednisone-equivalent
#: mg/day, as an antimalarial, an immunosuppressant or a biologic, or not at all ("").
DRUG_RECORDS = ("", "glucocorticoid", "antimalarial", "immunosuppressant", "biologic")


@dataclass(frozen=True)
class Product:
    """A CAR-T product: its target, class, the therapy modules it needs (none for the
    core CD19 CAR-T) and the infused state a dose adds to (cells/µL blood-equivalent)."""

    name: str
    label: str
    target: str
    kind: str
    modules: tuple[str, ...]
    dose_state: str
    source: str
    aliases: tuple[str, ...] = ()
    anti_car_modules: tuple[str, ...] = ()
    redose_state: str = ""
    schedule_days: tuple[float, ...] = ()

    @property
    def offers_anti_car_immunity(self) -> bool:
        """Whether an arm may switch anti-CAR immunity on for this product."""
        return bool(self.anti_car_modules and self.redose_state)


@dataclass(frozen=True)
class Catalogue:
    """Drugs, named drug regimens, products and lymphodepletion regimens by name."""

    drugs: Mapping[str, Drug]
    regimens: Mapping[str, DrugRegimen]
    products: Mapping[str, Product]
    lymphodepletion: Mapping[str, Lymphodepletion]
    lymphodepletion_sources: Mapping[str, str]

    def drug(self, name: str, *, field: str = "drug") -> Drug:
        """The drug ``name``; an InputError naming ``field`` for an unknown one."""
        if name not in self.drugs:
            raise InputError(f"{field}: got {name!r}, expected a drug of the catalogue "
                             f"({_listing(self.drugs)})")
        return self.drugs[name]

    def regimen(self, name: str, *, field: str = "drugs") -> DrugRegimen:
        """The named drug regimen ``name``."""
        if name not in self.regimens:
            raise InputError(f"{field}: got {name!r}, expected a named drug regimen "
                             f"({_listing(self.regimens)}) or a table with drug and doses")
        return self.regimens[name]

    def product(self, name: str, *, field: str = "car_t.product") -> Product:
        """The product ``name`` (or one of its aliases)."""
        for p in self.products.values():
            if name == p.name or name in p.aliases:
                return p
        raise InputError(f"{field}: got {name!r}, expected a product of the catalogue "
                         f"({_listing(self.products)})")

    def lymphodepletion_regimen(self, name: str, *, field: str = "lymphodepletion") -> Lymphodepletion:
        """The named lymphodepletion regimen ``name``."""
        if name not in self.lymphodepletion:
            raise InputError(f"{field}: got {name!r}, expected a named regimen "
                             f"({_listing(self.lymphodepletion)}) or a table of doses")
        return self.lymphodepletion[name]

    def modules_of(self, *, drugs: tuple[str, ...] = (), products: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The therapy modules the named drugs and products need, each once, in order."""
        return tuple(dict.fromkeys((*(m for d in drugs for m in self.drug(d).modules),
                                    *(m for p in products for m in self.product(p).modules))))


def _listing(names: Mapping[str, Any]) -> str:
    shown = sorted(names)
    return ", ".join(shown[:30]) + (", ..." if len(shown) > 30 else "")


class _Entry:
    """Typed access to one TOML table with errors naming file, entry and key."""

    def __init__(self, table: Any, where: str) -> None:
        if not isinstance(table, dict):
            raise InputError(f"{where}: expected a table")
        self.table, self.where = table, where

    def text(self, key: str, *, default: str | None = None) -> str:
        v = self.table.get(key, default)
        if not isinstance(v, str) or (default is None and not v.strip()):
            raise InputError(f"{self.where}.{key}: got {v!r}, expected text")
        return v

    def names(self, key: str) -> tuple[str, ...]:
        v = self.table.get(key, [])
        if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
            raise InputError(f"{self.where}.{key}: got {v!r}, expected a list of names")
        return tuple(v)

    def number(self, key: str) -> float:
        v = self.table.get(key)
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            raise InputError(f"{self.where}.{key}: got {v!r}, expected a number")
        return float(v)

    def numbers(self, key: str) -> tuple[float, ...]:
        v = self.table.get(key)
        if not isinstance(v, list) or not v or not all(
                isinstance(a, int | float) and not isinstance(a, bool) and math.isfinite(a) for a in v):
            raise InputError(f"{self.where}.{key}: got {v!r}, expected a list of numbers")
        return tuple(float(a) for a in v)

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        v = self.text(key)
        if v not in options:
            raise InputError(f"{self.where}.{key}: got {v!r}, expected one of {', '.join(options)}")
        return v


def _toml_files(folder: str) -> list[tuple[str, dict[str, Any]]]:
    root = resources.files("immunoreset.therapy").joinpath("data")
    base = root.joinpath(folder) if folder else root
    out: list[tuple[str, dict[str, Any]]] = []
    if not base.is_dir():
        return out
    for f in sorted(base.iterdir(), key=lambda p: p.name):
        if f.name.endswith(".toml"):
            try:
                out.append((f"{folder}/{f.name}" if folder else f.name, tomllib.loads(f.read_text("utf-8"))))
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"therapy catalogue {f.name}: malformed TOML ({exc})") from None
    return out


def _drug_regimen(e: _Entry, drugs: Mapping[str, Drug]) -> DrugRegimen:
    drug = e.text("drug")
    if drug not in drugs:
        raise InputError(f"{e.where}.drug: got {drug!r}, expected a drug of the catalogue")
    segments = e.table.get("segment", [])
    if segments and "doses" in e.table:
        raise InputError(f"{e.where}: expected doses/days or segments, not both")
    if segments:
        segs = []
        for j, s in enumerate(segments):
            se = _Entry(s, f"{e.where}.segment[{j}]")
            segs.append(RateSegment(se.number("start"), se.number("stop"), se.number("rate"),
                                    se.choice("unit", RATE_UNITS)))
        return DrugRegimen(e.text("name"), drug, e.text("label"), segments=tuple(segs),
                           source=e.text("source"))
    doses, days = e.numbers("doses"), e.numbers("days")
    return DrugRegimen(e.text("name"), drug, e.text("label"), doses=doses, days=days,
                       unit=e.choice("unit", DOSE_UNITS), source=e.text("source"))


def _lymphodepletion(e: _Entry) -> Lymphodepletion:
    doses: list[Dose] = []
    for drug in ("fludarabine", "cyclophosphamide"):
        key = f"{drug}_mg_per_m2_per_day"
        if key in e.table:
            amount = e.number(key)
            doses += [Dose(drug, d, amount) for d in e.numbers(f"{drug}_days")]
    return Lymphodepletion(e.text("name"), tuple(doses))  # file order: fludarabine, then cyclophosphamide


@cache
def catalogue() -> Catalogue:
    """The packaged therapy catalogue (read once per process)."""
    drugs: dict[str, Drug] = {}
    raw_regimens: list[_Entry] = []
    for fname, doc in _toml_files("drugs"):
        for i, t in enumerate(doc.get("drug", [])):
            e = _Entry(t, f"therapy catalogue {fname}: drug[{i}]")
            d = Drug(e.text("name"), e.text("label"), e.text("kind"), e.names("modules"),
                     e.text("dose_state", default=""), e.text("infusion_state", default=""),
                     e.text("source"), e.text("record", default=""))
            if d.record not in DRUG_RECORDS:
                raise InputError(f"{e.where}.record: got {d.record!r}, expected one of "
                                 f"{', '.join(repr(r) for r in DRUG_RECORDS)}")
            if d.name in drugs:
                raise InputError(f"{e.where}.name: {d.name!r} is defined twice")
            drugs[d.name] = d
        raw_regimens += [_Entry(t, f"therapy catalogue {fname}: regimen[{i}]")
                         for i, t in enumerate(doc.get("regimen", []))]
    regimens: dict[str, DrugRegimen] = {}
    for e in raw_regimens:
        r = _drug_regimen(e, drugs)
        if r.name in regimens:
            raise InputError(f"{e.where}.name: {r.name!r} is defined twice")
        if r.segments and not drugs[r.drug].infusion_state:
            raise InputError(f"{e.where}: drug {r.drug!r} takes no infusion (no infusion_state)")
        if r.doses and not drugs[r.drug].dose_state:
            raise InputError(f"{e.where}: drug {r.drug!r} takes no bolus dose (no dose_state)")
        regimens[r.name] = r
    products: dict[str, Product] = {}
    for fname, doc in _toml_files("products"):
        for i, t in enumerate(doc.get("product", [])):
            e = _Entry(t, f"therapy catalogue {fname}: product[{i}]")
            p = Product(e.text("name"), e.text("label"), e.choice("target", CAR_T_TARGETS),
                        e.choice("kind", PRODUCT_KINDS), e.names("modules"), e.text("dose_state"),
                        e.text("source"), e.names("aliases"), e.names("anti_car_modules"),
                        e.text("redose_state", default=""),
                        e.numbers("schedule_days") if "schedule_days" in t else ())
            if p.name in products:
                raise InputError(f"{e.where}.name: {p.name!r} is defined twice")
            products[p.name] = p
    lds: dict[str, Lymphodepletion] = {}
    ld_sources: dict[str, str] = {}
    for fname, doc in _toml_files(""):
        if fname != "lymphodepletion.toml":
            continue
        for i, t in enumerate(doc.get("regimen", [])):
            e = _Entry(t, f"therapy catalogue {fname}: regimen[{i}]")
            ld = _lymphodepletion(e)
            lds[ld.name] = ld
            ld_sources[ld.name] = e.text("source")
    return Catalogue(drugs, regimens, products, lds, ld_sources)
