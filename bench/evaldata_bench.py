"""Our generic fallback extractor on the Zyte article-extraction-benchmark (181 mostly English
pages), beside trafilatura run here and the 8 tools whose outputs ship with the benchmark.

The figures come from ``crawler.extraction_benchmark.run_benchmark`` (the benchmark's
published metric: 4-token shingles, precision and recall averaged over pages, F1 their
harmonic mean), after the scorer has reproduced trafilatura's published 0.958 from its
reference output. CPU time is this process's (``time.process_time``) per page. The set is
reported, not tuned for.

    .venv/bin/python -m bench.evaldata_bench                    # ~20 s, writes the JSON below
    .venv/bin/python -m bench.evaldata_bench --benchmark DIR --json out.json

Result: ``bench/results/evaldata.json`` (figures, command, commit, machine).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from bench.common import RESULTS, git_commit, machine
from crawler.extraction_benchmark import benchmark_table, default_benchmark_dir, run_benchmark

DEFAULT_JSON = RESULTS / "evaldata.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="generic extractor on the evaldata benchmark")
    parser.add_argument("--benchmark", type=Path, default=default_benchmark_dir(),
                        help="the article-extraction-benchmark folder (default: %(default)s)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON,
                        help="where to write the figures (default: %(default)s)")
    args = parser.parse_args(argv)
    if not (args.benchmark / "ground-truth.json").is_file():
        print(f"error: no benchmark under {args.benchmark} (set SHARED_DIR or --benchmark)",
              file=sys.stderr)
        return 2
    figures = run_benchmark(args.benchmark, live_trafilatura=True)
    print(benchmark_table(figures))
    check = figures["scorer_check"]
    print(f"\nscorer check: trafilatura reference F1 {check['measured_f1']:.4f} vs published "
          f"{check['published_f1']:.3f}: {'ok' if check['ok'] else 'MISMATCH'}")
    result = {
        "benchmark": "scrapinghub/article-extraction-benchmark @ 4a3bc979 (181 pages)",
        "command": shlex.join([".venv/bin/python", "-m", "bench.evaldata_bench",
                               *(argv if argv is not None else sys.argv[1:])]),
        "commit": git_commit(),
        "machine": machine(),
        **figures,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.json}")
    # A scorer that does not reproduce the published figure makes every figure suspect.
    return 0 if check["ok"] else 3


if __name__ == "__main__":
    raise SystemExit(main())
