"""Benchmark: text-extraction throughput (reports per second on one core) on the shared passages.

    python bench/extract_reports.py [--rounds 20]

Reports the extractor's rate beside a baseline measured in the same run on the same texts:
splitting each report into sentences only (the least any extractor does). Issue 4's target:
at least 200 reports/s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"


def main() -> None:
    from textfacts import extract_facts, sentences

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    passages = [json.loads(line) for line in (SHARED / "texts" / "dev.jsonl").read_text().splitlines() if line]
    reports = [(p["text"], date.fromisoformat(p["published"])) for p in passages]
    reports.append(((SHARED / "fixtures" / "reports" / "northpress_hama_withdrawal.txt").read_text(), date(2024, 12, 5)))

    def rate(work) -> float:
        started = time.perf_counter()
        for _ in range(args.rounds):
            for text, published in reports:
                work(text, published)
        return args.rounds * len(reports) / (time.perf_counter() - started)

    baseline = rate(lambda text, published: sentences(text))
    extractor = rate(extract_facts)
    print(f"{len(reports)} reports x {args.rounds} rounds, one process, Python {sys.version.split()[0]}\n")
    print("| run | reports/s | ratio to baseline |\n| --- | ---: | ---: |")
    print(f"| baseline: sentence splitting only | {baseline:,.0f} | 1.00 |")
    print(f"| extractor (displacements + events) | {extractor:,.0f} | {extractor / baseline:.2f} |")


if __name__ == "__main__":
    main()
