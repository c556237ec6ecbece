"""Score the text extractor against gold passages: python -m loaders.evaluate FILE.jsonl [--misses]

Matching rule (one predicted fact matches at most one gold fact, greedily in passage order):

- displacement: the same figure (or both vague), the same unit (people/households; a gold unit
  of null matches any), the same place — some place of the prediction (origin, destination,
  location) shares a word of four or more letters with some place of the gold fact (origin,
  destination, location), or neither names a place — and the date: when both give one, the
  prediction's start or end lies within the gold period (a "YYYY-MM" or "YYYY" gold date is the
  whole month or year); when either gives no date, the date does not decide (a prediction
  without a date matches a dated gold fact, and a dated prediction an undated gold fact).
- event: the same event type, the same place (as above; both without a place also matches),
  and the same date when both give one (a gold month or year contains the predicted day).

Precision = matched predictions / predictions; recall = matched gold facts / gold facts. Per
field, the score is the share of matched pairs that agree on that field exactly.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date

from textfacts import extract_facts

_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]{3,}")
_GENERIC = {"areas", "area", "safer", "other", "various", "locations", "northern", "southern", "eastern", "western",
            "north", "south", "east", "west", "their", "city", "town", "district", "governorate", "province",
            "region", "countryside", "villages", "village", "camps", "camp", "sites", "site", "within", "across"}


def _words(*places) -> set[str]:
    words = set()
    for place in places:
        for word in _WORD.findall(place or ""):
            word = word.lower().replace("’", "'")
            if word not in _GENERIC:
                words.add(word[:5])  # Idleb/Idlib, Shahba/Shahbaa share their first letters
    return words


def _same_place(predicted: tuple, gold: tuple) -> bool:
    p, g = _words(*predicted), _words(*gold)
    if not p and not g:
        return True
    return bool(p & g)


def _period(start: str | None, end: str | None) -> tuple[str, str] | None:
    if not start and not end:
        return None
    start, end = start or end, end or start

    def low(value: str) -> str:
        return value + "-01-01"[len(value) - 4:] if len(value) < 10 else value

    def high(value: str) -> str:
        return value + "-12-31"[len(value) - 4:] if len(value) < 10 else value

    return low(start), high(end)


def _date_ok(predicted: tuple, gold: tuple) -> bool:
    gold_period = _period(*gold)
    predicted_days = [d for d in predicted if d]
    if gold_period is None or not predicted_days:
        return True
    return any(gold_period[0] <= _period(d, d)[0] <= gold_period[1] for d in predicted_days)


def _unit(value):
    return {"persons": "people"}.get(value, value)


def match_displacement(p: dict, g: dict) -> bool:
    return (p.get("figure") == g.get("figure")
            and (g.get("unit") is None or _unit(p.get("unit")) == _unit(g.get("unit")))
            and _same_place((p.get("origin"), p.get("destination"), p.get("location")),
                            (g.get("origin"), g.get("destination"), g.get("location")))
            and _date_ok((p.get("date_start"), p.get("date_end")), (g.get("date_start"), g.get("date_end"))))


def match_event(p: dict, g: dict) -> bool:
    return (p.get("event_type") == g.get("event_type")
            and _same_place((p.get("place"),), (g.get("place"),))
            and _date_ok((p.get("date"),), (g.get("date"), g.get("date_end") or g.get("date"))))


FIELDS = {"displacements": ("figure", "unit", "qualifier", "term", "date_start", "date_end", "figure_scope"),
          "events": ("event_type", "sub_event_type", "date")}


def score(passages: list[dict]) -> dict:
    totals = {kind: {"predicted": 0, "gold": 0, "matched": 0, "fields": {f: 0 for f in FIELDS[kind]}, "misses": [],
                     "extra": []} for kind in FIELDS}
    for passage in passages:
        published = date.fromisoformat(passage["published"]) if passage.get("published") else None
        found = extract_facts(passage["text"], published)
        for kind, matcher in (("displacements", match_displacement), ("events", match_event)):
            predicted, gold = found[kind], passage.get(kind, [])
            total = totals[kind]
            total["predicted"] += len(predicted)
            total["gold"] += len(gold)
            free = list(range(len(predicted)))
            for g in gold:
                hit = next((i for i in free if matcher(predicted[i], g)), None)
                if hit is None:
                    total["misses"].append((passage["id"], g))
                    continue
                free.remove(hit)
                total["matched"] += 1
                for field in FIELDS[kind]:
                    p_value, g_value = predicted[hit].get(field), g.get(field)
                    total["fields"][field] += _unit(p_value) == _unit(g_value)
            total["extra"] += [(passage["id"], predicted[i]) for i in free]
    return totals


def report(totals: dict, misses: bool = False) -> str:
    lines = ["| facts | gold | predicted | matched | precision | recall | " +
             "per field (share of matched pairs that agree) |", "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for kind, t in totals.items():
        precision = t["matched"] / t["predicted"] if t["predicted"] else 0.0
        recall = t["matched"] / t["gold"] if t["gold"] else 0.0
        fields = ", ".join(f"{f} {v / t['matched']:.2f}" for f, v in t["fields"].items()) if t["matched"] else "-"
        lines.append(f"| {kind} | {t['gold']} | {t['predicted']} | {t['matched']} | {precision:.2f} | {recall:.2f} | "
                     f"{fields} |")
    if misses:
        for kind, t in totals.items():
            lines.append(f"\n{kind}: missed gold facts")
            for pid, g in t["misses"]:
                what = (g.get("figure"), g.get("unit"), g.get("origin"), g.get("destination"), g.get("location"),
                        g.get("date_start"), g.get("date_end")) if kind == "displacements" else \
                    (g.get("event_type"), g.get("sub_event_type"), g.get("place"), g.get("date"))
                lines.append(f"  {pid}: {what}")
            lines.append(f"{kind}: predictions matching no gold fact")
            for pid, p in t["extra"]:
                what = (p.get("figure"), p.get("unit"), p.get("origin"), p.get("destination"), p.get("date_start"),
                        p.get("date_end")) if kind == "displacements" else \
                    (p.get("event_type"), p.get("sub_event_type"), p.get("place"), p.get("date"))
                lines.append(f"  {pid}: {what}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("path")
    parser.add_argument("--misses", action="store_true", help="list missed gold facts and unmatched predictions")
    args = parser.parse_args(argv)
    with open(args.path, encoding="utf-8") as handle:
        passages = [json.loads(line) for line in handle if line.strip()]
    print(report(score(passages), args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
