"""Benchmark: text-extraction throughput (reports per second on one core) on the shared passages.

    python bench/extract_reports.py [--rounds 20]

Reports the extractor's rate beside a baseline measured in the same run on the same texts:
splitting each report into sentences only (the least any extractor does). Issue 4's target:
at least 200 reports/s.

Then a long paste (issue 16): one "sentence" of 12.8, 25.6 and 51 KB made of repeated clauses,
each read once; the time should grow linearly (target: 50 KB within 5 s) and the characters of
quote kept stay within QUOTE_CAP per fact.
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
    long_paste(extract_facts)


LONG_PASTE_CLAUSES = ("300 people fled Hama to Homs on 3 December, ", "clashes erupted in Idlib on 4 December, ",
                      "120 families arrived in Azaz camps, ")


def long_paste(extract_facts) -> None:
    """One pasted page without full stops: seconds to read it, facts found, characters of quote kept."""
    body = "".join(LONG_PASTE_CLAUSES)
    print("\n| long paste (one sentence) | seconds | facts | quote characters kept | largest quote |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for size in (12_800, 25_600, 51_200):
        text = "Since Monday, " + body * (size // len(body)) + "the office said."
        started = time.perf_counter()
        found = extract_facts(text, date(2024, 12, 5))
        seconds = time.perf_counter() - started
        facts = found["displacements"] + found["events"]
        kept = [len(f["quote"]) for f in facts]
        print(f"| {len(text) / 1000:.1f} KB | {seconds:.2f} | {len(facts):,} | {sum(kept):,} | {max(kept)} |")


if __name__ == "__main__":
    main()
