"""Where the solver's time goes: sampled CPU time per compiled engine function.

    python benchmarks/profile_engine.py [--n 40] [--repeats 30]

Needs Linux ``perf`` (Debian package ``linux-perf``; the software ``cpu-clock`` event works
in virtual machines without hardware counters). The script re-runs itself under ``perf
record`` on one core: the child compiles the batch kernel afresh in a temporary numba
cache (so that its functions' names are known), writes their addresses, then solves ``--n``
CAR-T patients ``--repeats`` times. The parent attributes every sample that falls in a
compiled function to it and prints the shares, e.g. the LU solves' share of a Rodas5P
step. Shares are steadier than wall-clock timings on a noisy machine, since a slowdown of
the whole machine scales every function alike. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(n: int, repeats: int, symbols: Path) -> None:
    from immunoreset.engine import EventSchedule, solve_batch
    from immunoreset.engine._kernel import get_kernel
    from immunoreset.model import jac, load_parameters, rhs
    from immunoreset.population import sample_cohort
    from immunoreset.simulation import DEFAULT_DAYS, DEFAULT_SOLVER, patient_events
    from immunoreset.therapy import Regimen

    cohort = sample_cohort(n, load_parameters(), seed=1)
    events = EventSchedule.from_lists(patient_events(cohort, Regimen.erlangen_car_t()))

    def solve() -> None:
        solve_batch(rhs, cohort.y0, cohort.params, DEFAULT_DAYS, events=events,
                    settings=DEFAULT_SOLVER, jac=jac, n_threads=1)  # fmt: skip

    solve()
    addresses: dict[str, int] = {}
    for dispatcher in (get_kernel(), rhs, jac):
        for cres in dispatcher.overloads.values():
            library = cres.library
            for name in set(re.findall(r'define[^@]*@"?([^"( ]+)"?\(', library.get_llvm_str())):
                address = library.get_pointer_to_function(name)
                if address:
                    addresses[name] = address
    symbols.write_text(json.dumps(addresses))
    start = time.perf_counter()
    for _ in range(repeats):
        solve()
    print(f"{repeats} solves of {n} CAR-T patients: {time.perf_counter() - start:.2f} s")


def _readable(symbol: str) -> str:
    """``immunoreset.engine._linalg.lu_solve`` from numba's mangled name (``_ZN`` then
    length-prefixed parts, then ``B``-prefixed ABI tags)."""
    rest = symbol[3:] if symbol.startswith("_ZN") else symbol
    parts = []
    while (m := re.match(r"\d+", rest)) is not None:
        size = int(m.group())
        parts.append(rest[m.end() : m.end() + size])
        rest = rest[m.end() + size :]
    return ".".join(parts) or symbol[:60]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        _child(args.n, args.repeats, args.child)
        return
    if shutil.which("perf") is None:
        sys.exit("profile_engine: needs Linux perf (apt install linux-perf)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, NUMBA_CACHE_DIR=str(work / "numba"), NUMBA_NUM_THREADS="1")
        command = ["taskset", "-c", "0", sys.executable, __file__, "--n", str(args.n),
                   "--repeats", str(args.repeats), "--child", str(work / "symbols.json")]  # fmt: skip
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", str(work / "perf.data"),
                        *command], env=env, check=True)  # fmt: skip
        script = subprocess.run(["perf", "script", "-i", str(work / "perf.data"), "-F", "ip"],
                                capture_output=True, text=True, check=True)  # fmt: skip
        addresses = json.loads((work / "symbols.json").read_text())
    table = sorted((address, name) for name, address in addresses.items())
    starts = [address for address, _ in table]
    counts: collections.Counter[str] = collections.Counter()
    for line in script.stdout.split():
        ip = int(line, 16)
        k = bisect.bisect_right(starts, ip) - 1
        # A compiled function spans well under 64 KiB; farther samples are elsewhere.
        if k >= 0 and ip - starts[k] < 65536:
            counts[_readable(table[k][1])] += 1
    total = sum(counts.values())
    print(f"{total} samples in compiled engine and model functions:")
    for name, count in counts.most_common(15):
        print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
