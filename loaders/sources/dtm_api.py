"""IOM DTM API v3 displacement responses (JSON): IDPs present per area and reporting round.

The API answers `/v3/displacement/admin0|admin1|admin2` with an envelope
`{result, statusCode, isSuccess, errorMessages, totalRecordsCount}`. Each record counts
`numPresentIdpInd` IDPs present in an area (admin2, admin1 or admin0: the finest the record
names) at `reportingDate`, for one operation and round, one displacement reason and, where DTM
knows it, one origin governorate (`idpOriginAdmin1Name/Pcode`). Each becomes an `idp_stock`
figure in persons whose destination is the area.

Quirks, seen in the Haiti admin-1 response (displacement-admin1-admin0pcode-hti.json):
- "Not available" as the origin means DTM does not know where the IDPs came from. The row keeps
  origin_name_raw "Not available" — the provider's words, so "origin unknown" stays apart from a
  record without origin fields — and no origin place; it is never resolved nor queued for review.
- DTM's `id` is not stable: the same record (Haiti Earthquake, Ouest, round 1) is id 8322 in API
  v2 and 42889 in v3. The record key is built from what the figure is about instead: area,
  operation, round, origin, reason and assessment type (operation + area + round + origin repeat
  in the file, once per displacementReason).
- displacement_figure has no columns for the sex breakdown (numberMales/numberFemales, which do
  not always add up to the total) nor for the reason and operation: those two live in the key.
- Names are only looked for inside the record's country: the shipped gazetteer holds Syria only,
  and Haiti's "Centre" department sounds like a Syrian governorate. Until the country's p-codes
  are loaded (kind ocha_pcodes), each row warns `unresolved-place` and each name is queued once.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

from loaders.context import Chunk, LoadContext, chunked
from loaders.parsing import CellError, clean, count_issue_code, parse_date, parse_json_count
from loaders.readers.document import Document
from loaders.report import LoadError

KIND = "dtm_api"
TITLE = "IOM DTM API v3 displacement response"
PUBLISHER = "IOM Displacement Tracking Matrix"
FORMAT = "json"
TARGET = "facts"
PROVIDER = "IOM DTM"
ENVELOPE = ("result", "statusCode", "isSuccess", "errorMessages", "totalRecordsCount")
RECORD_FIELDS = ("operation", "admin0Pcode", "numPresentIdpInd", "reportingDate", "roundNumber")
EXPECTED_COLUMNS = ENVELOPE + RECORD_FIELDS + ("admin1Pcode", "idpOriginAdmin1Pcode", "displacementReason")
UNKNOWN_ORIGIN = "not available"  # how DTM writes an origin it does not know
AREA_LEVELS = ((2, "district"), (1, "governorate"), (0, "country"))  # finest first
KEY_LENGTH = 160  # displacement_figure.record_key


def detect(document: Document) -> bool:
    data = document.data
    if not isinstance(data, dict) or not {"result", "isSuccess", "errorMessages"} <= set(data):
        return False
    records = data["result"]
    # An error envelope carries no records; it is still DTM's, and normalise says what went wrong.
    if not records:
        return True
    return isinstance(records, list) and isinstance(records[0], dict) and set(RECORD_FIELDS) <= set(records[0])


def _records(document: Document) -> list:
    data, name = document.data, document.file_name
    if not isinstance(data, dict) or "result" not in data:
        raise LoadError(f"{name}: not a DTM API response (no `result` envelope); save the API's whole answer")
    messages = data.get("errorMessages") or []
    if data.get("isSuccess") is False or messages:
        said = "; ".join(str(m) for m in (messages if isinstance(messages, list) else [messages])) or "no message"
        raise LoadError(f"{name}: the DTM API answered with an error (statusCode {data.get('statusCode')}): "
                        f"{said}. Nothing was loaded; fix the request and download the response again")
    records = data["result"]
    if not isinstance(records, list):
        raise LoadError(f"{name}: the DTM response's `result` is not a list of records; download it again")
    if not records:
        raise LoadError(f"{name}: the DTM API returned no records; check the request's country and admin level")
    total = data.get("totalRecordsCount")
    if isinstance(total, int) and not isinstance(total, bool) and total != len(records):
        raise LoadError(f"{name}: the response says it has {total} records but holds {len(records)}; it is "
                        "incomplete (a page or a cut download). Download the whole response again")
    return records


def _text(value) -> str:
    return clean(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _is_unknown(value: str) -> bool:
    return value.casefold() == UNKNOWN_ORIGIN


def _pcode_country(ctx: LoadContext, record: dict) -> str:
    """The place key of the country the record's admin p-codes are of, by OCHA's p-code convention
    (LoadContext.pcode_area: HT01 is Haiti's when the gazetteer holds it or an area above it), or ""."""
    for field in ("admin1Pcode", "admin2Pcode"):
        area = ctx.pcode_area(_text(record.get(field)))
        country = ctx.gazetteer.country_of(area.place_id) if area is not None else None
        if country is not None:
            return country.place_key
    return ""


def _country_keys(ctx: LoadContext, records: list) -> dict[str, str]:
    """admin0Pcode → the country's place key, learnt from the records that give p-codes.

    A record without admin p-codes names its country by admin0Pcode alone, which may be a code the
    gazetteer does not hold; the other records of the same response tell which country it is.
    """
    keys: dict[str, str] = {}
    for record in records:
        if isinstance(record, dict) and (country := _pcode_country(ctx, record)):
            keys.setdefault(_text(record.get("admin0Pcode")), country)
    return keys


def _area(record: dict) -> tuple[int, str, str, str] | None:
    """(admin level, place kind, p-code, name) of the finest area the record names."""
    for level, kind in AREA_LEVELS:
        pcode, name = _text(record.get(f"admin{level}Pcode")), _text(record.get(f"admin{level}Name"))
        if pcode or name:
            return level, kind, pcode, name
    return None


def _record_key(record: dict, area_code: str, origin: str) -> str:
    round_number = _text(record.get("roundNumber"))
    parts = (area_code, _text(record.get("operation")),
             f"round {round_number}" if round_number else f"reported {_text(record.get('reportingDate'))}",
             f"from {origin or '-'}", _text(record.get("displacementReason")), _text(record.get("assessmentType")))
    key = "|".join(parts)
    if len(key) > KEY_LENGTH:  # keep the readable start, and a digest so long keys stay distinct
        key = key[:KEY_LENGTH - 33] + "#" + hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    return key


def _origin(ctx: LoadContext, record: dict, country: str, number: int,
            named: str | None = None) -> tuple[int | None, str | None, str]:
    """(origin place id, name as written, key part) for the IDPs' origin governorate."""
    written = _text(record.get("idpOriginAdmin1Name"))
    name, pcode = ("" if _is_unknown(v) else v for v in (written, _text(record.get("idpOriginAdmin1Pcode"))))
    if not name and not pcode:  # no origin, or DTM's "Not available": kept as written, never looked up
        return None, written or None, written
    place_id = ctx.place_id(name or pcode, pcode=pcode or None, within=country, kind="governorate",
                            only_within=True, row=number, column="idpOriginAdmin1Name", country=named)
    return place_id, name or pcode, pcode or name


def _reporting_date(value):
    if value is None or isinstance(value, str):
        return parse_date(value)  # "2010-11-30T00:00:00"; None when empty
    raise CellError(f"{value!r} is not a date; the API writes dates like 2010-11-30T00:00:00")


def _normalise_record(ctx: LoadContext, record, number: int, countries: dict[str, str]) -> dict | None:
    if not isinstance(record, dict):
        ctx.report.add(number, None, "type-error", "a DTM record must be a JSON object", str(record)[:80])
        return None
    column = "numPresentIdpInd"
    try:
        figure = parse_json_count(record.get(column))
        column = "reportingDate"
        reported = _reporting_date(record.get(column))
    except CellError as exc:
        code = count_issue_code(exc)
        ctx.report.add(number, column, code, str(exc), record.get(column), raw_row=record)
        return None
    area = _area(record)
    for column, missing in (("numPresentIdpInd", figure is None), ("reportingDate", reported is None),
                            ("admin1Pcode", area is None)):
        if missing:
            ctx.report.add(number, column, "missing-cell", f"{column} is empty; every DTM record needs it",
                           record.get(column), raw_row=record)
            return None
    level, kind, area_pcode, area_name = area
    iso3 = _text(record.get("admin0Pcode"))
    # The record's own admin0Pcode first; a p-code of another country does not move it there (the
    # conflict is reported). No country at all: names are looked up nowhere rather than anywhere.
    named = ctx.find_country(iso3) if iso3 else None
    country = named.place_key if named else (_pcode_country(ctx, record) or countries.get(iso3) or iso3 or "?")
    admin1 = _text(record.get("admin1Pcode"))
    # A district is looked for in its governorate when the gazetteer has it, else in the country;
    # a country among all countries.
    within = admin1 if level == 2 and ctx.gazetteer.by_key(admin1) else (country if level > 0 else None)
    destination_id = ctx.place_id(area_name or area_pcode, pcode=area_pcode or None, within=within, kind=kind,
                                  only_within=True, row=number, column=f"admin{level}Name",
                                  country=iso3 if named else None)
    origin_id, origin_name, origin_key = _origin(ctx, record, country, number, iso3 if named else None)
    return {
        "provider": PROVIDER,
        "record_key": _record_key(record, area_pcode or area_name, origin_key),
        "figure_kind": "idp_stock",
        "unit": "persons",
        "qualifier": "exact",
        "figure": figure,
        "is_cumulative": False,
        "origin_place_id": origin_id,
        "origin_name_raw": origin_name,
        "destination_place_id": destination_id,
        "destination_name_raw": area_name or area_pcode,
        # A stock is a count on one day: the reporting date is both ends of the period.
        "period_start": reported,
        "period_end": reported,
        "term": "displaced",
        "review_status": "not_required",
    }


def normalise(document: Document, ctx: LoadContext) -> Iterator[Chunk]:
    records = _records(document)
    countries = _country_keys(ctx, records)
    yield from chunked("displacement_figure", ((number, _normalise_record(ctx, record, number, countries))
                                               for number, record in enumerate(records, start=1)))
