"""Two checkouts' XML mapping speed, interleaved: records per CPU second, fresh process each.

On a shared host one run against another run minutes later says little (the unchanged CSV
path alone moves by a third); alternating the two versions measurement by measurement, and
comparing medians, does. Each measurement maps the same generated export (as
``mapping_bench.py`` writes it) with the version's own ``src`` and ``mappings``:

    PYTHONPATH=src python bench/mapping_ab.py /tmp/before . --pairs 5
    PYTHONPATH=src python bench/mapping_ab.py /tmp/before . --heavy     # level 2–3 logs only
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mapping_bench import write_xml

_MEASURE = """
import sys, time
from datetime import date
from pathlib import Path
root, export = Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, str(root / "src"))
from ssd_gateway.mapping import Mapped, load_mapping
from ssd_gateway.mapping.engine import map_file
from ssd_gateway.model import ValidationSettings
mapping = load_mapping(root / "mappings" / "elevsystem-stafetlog.yaml")
settings = ValidationSettings(today=date(2026, 6, 1))
started = time.process_time()
count = sum(isinstance(o, Mapped) for o in map_file(mapping, export, settings=settings))
print(count / (time.process_time() - started))
"""


def measure(root: Path, export: Path) -> float:
    """Records per CPU second of mapping ``export`` with the checkout at ``root``."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(root.resolve()), str(export)],
                          capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    """Alternate the two checkouts; print each pair and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--heavy", action="store_true", help="level 2–3 logs only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.xml"
        write_xml(export, args.records, heavy_only=args.heavy)
        pairs = [(measure(args.before, export), measure(args.after, export))
                 for _ in range(args.pairs)]
    for before, after in pairs:
        print(f"{before:8,.0f} {after:8,.0f}")
    low, high = (statistics.median(side) for side in zip(*pairs, strict=True))
    print(f"median before {low:,.0f}, after {high:,.0f} ({high / low - 1:+.0%})")


if __name__ == "__main__":
    main()
