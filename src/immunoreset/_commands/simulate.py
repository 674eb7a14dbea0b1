"""``immunoreset simulate CONFIG.toml --out DIR [--n N] [--workers W] [--chunk-size C]
[--seed S] [--scheduler ADDRESS] [--resume | --overwrite] [--save summary|visits|full]``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("simulate", help="simulate the patients and arms of a config file, at any scale")
    p.add_argument("config", help="study configuration (TOML); format: `immunoreset schema --kind study`, examples in the source repository's examples/")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty; a .work left by an earlier run needs --resume or --overwrite)")
    p.add_argument("--patients", default=None,
                   help="fitted patients (fitted.parquet of `immunoreset fit`) to simulate, with "
                   "their posterior draws, instead of sampled virtual patients")
    p.add_argument("--n", type=int, default=None, help="virtual patients per arm (overrides run.n)")
    p.add_argument("--seed", type=int, default=None, help="random seed (overrides run.seed)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1: threads in this process)")
    p.add_argument("--chunk-size", type=int, default=None, help="patients per chunk (default run.chunk_size or 250)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="keep the finished chunks of a killed run in DIR/.work")
    p.add_argument("--overwrite", action="store_true", help="discard the unfinished work of an earlier run in DIR/.work")
    p.add_argument("--save", choices=("summary", "visits", "full"), default=None,
                   help="per-patient summaries only, values at the visit days (default), or daily values")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.simulation import RunOptions, load_study_config, run_study

    patients = None
    if args.patients is not None:
        from immunoreset.estimation import read_fitted
        from immunoreset.population import GivenPatients

        fitted = read_fitted(args.patients)
        t = fitted.table
        patients = GivenPatients(fitted.ids, fitted.parameters,
                                 t[list(fitted.parameters)].to_numpy("float64"),
                                 tuple(t["sex"].astype(str)), t["age"].to_numpy("float64"),
                                 t["height_cm"].to_numpy("float64"),
                                 t["weight_kg"].to_numpy("float64"), source=f"--patients {fitted.source}")
    spec, config, options = load_study_config(args.config, n=args.n, seed=args.seed,
                                              patients=patients)
    if patients is not None:
        from immunoreset.errors import InputError

        for name in fitted.parameters:
            if spec.parameters[name].unit != fitted.units[name]:
                raise InputError(f"--patients {fitted.source}: parameter {name} is in "
                                 f"{fitted.units[name]!r}, the study's model expects "
                                 f"{spec.parameters[name].unit!r}")
        config["run"]["patients"] = args.patients
    options = RunOptions(chunk_size=options.chunk_size if args.chunk_size is None else args.chunk_size,
                         workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                         overwrite=args.overwrite, save=args.save or options.save)
    command = " ".join(["immunoreset simulate", args.config, "--out", args.out]
                       + ([f"--n {args.n}"] if args.n is not None else [])
                       + ([f"--patients {args.patients}"] if args.patients else [])
                       + ([f"--seed {args.seed}"] if args.seed is not None else [])
                       + [f"--workers {options.workers}", f"--chunk-size {options.chunk_size}",
                          f"--save {options.save}"]
                       + ([f"--scheduler {args.scheduler}"] if args.scheduler else [])
                       + (["--resume"] if args.resume else [])
                       + (["--overwrite"] if args.overwrite else []))
    out = run_study(args.out, spec, command=command, config=config, options=options)
    print(f"wrote {out}")
    return 0
