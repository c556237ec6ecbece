"""Upload: pick files or paste a report, see what was understood (and what was not, row by row), then confirm.

Facts read from a text report are stored waiting for review (Review page); charts count them
only once accepted.
"""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd
import streamlit as st

from access.policy import Permission
from db import vocab
from gazetteer.countries import country_names
from loaders.ingest import ingest_file, parse_column_map
from loaders.intake import IntakeSettingError, RefusedFile, check_size, max_upload_bytes
from loaders.readers.report_text import SUFFIXES as REPORT_SUFFIXES
from loaders.registry import SOURCE_KINDS
from ui.access import gate
from ui.common import ensure_database, get_engine
from ui.file_errors import file_title, show_file_failure
from ui.safe_text import literal
from ui.show import show_table
from ui.upload import checked_text, loaded_text, upload_label, upload_limit_mb

st.set_page_config(page_title="Upload", page_icon="📥", layout="wide")
st.title("Upload data")
actor = gate(Permission.UPLOAD)  # before anything else (ui/access.py)
st.caption(
    "Files are checked first and nothing is written until you confirm. Loading the same file twice changes "
    "nothing. Kinds read: " + ", ".join(vocab.label(kind) for kind in SOURCE_KINDS) + "."
)
engine = get_engine()
ensure_database(engine)
COUNTRIES = dict(country_names())  # ISO3 → name

try:
    from loaders.sources.field_template import field_template_bytes
except ImportError:  # the field template adapter is not part of this build
    field_template_bytes = None
if field_template_bytes is not None:
    st.download_button("Download the field template (CSV)", field_template_bytes(), "field_template.csv",
                       mime="text/csv")

try:
    upload_limit = max_upload_bytes()  # DASHBOARD_MAX_UPLOAD_MB (loaders/intake.py)
except IntakeSettingError as exc:
    st.error(f"Uploads are off until the administrator fixes a setting: {literal(exc)}")
    st.stop()
# The box says the dashboard's limit ("Limit 50MB per file"), not Streamlit's server cap.
uploads = st.file_uploader(upload_label(upload_limit), accept_multiple_files=True,
                           type=["csv", "tsv", "txt", "json", "xlsx", "md", "html", "htm"],
                           max_upload_size=upload_limit_mb(upload_limit))
pasted = st.text_area("Or paste a report (news item, flash update)", height=150,
                      help="The text is read for displacement and conflict-event facts; only the sentences that "
                           "carry a fact are kept.")
strict = st.checkbox("Reject a whole file when any row has a problem (strict)")


def show_report(report) -> None:
    if not report.issues:
        st.success("No problems found in the rows.")
        return
    for line in report.summary():
        st.text(line)  # st.text never renders HTML or Markdown from a file
    shown = report.issues[:5_000]
    show_table(pd.DataFrame([{"row": i.row, "column": i.field, "code": i.code, "severity": i.severity,
                              "message": i.message, "value": None if i.value is None else str(i.value)}
                             for i in shown]))
    if report.total > len(shown):
        st.caption(f"The first {len(shown):,} of {report.total:,} issues; the counts above cover all of them, "
                   "and a load stores every one with its batch.")


def text_facts(preview: dict) -> pd.DataFrame:
    """The facts a report's load would store (a dry run's rows), one line each, sentence last."""
    def day(value):
        return value.isoformat() if value else None

    rows = [{"fact": "displacement", "figure": r["figure"], "unit": r["unit"], "hedge": vocab.label(r["qualifier"]),
             "term": r["term"],
             "origin": r["origin_name_raw"], "destination": r["destination_name_raw"],
             "date": day(r["period_end"] or r["period_start"]), "line": line, "sentence": r["quote"]}
            for line, r in preview.get("displacement_figure", [])]
    rows += [{"fact": f"event: {r['event_type']}" + (f" / {r['sub_event_type']}" if r["sub_event_type"] else ""),
              "figure": None, "unit": None, "hedge": None, "term": None, "origin": None,
              "destination": r["place_name_raw"], "date": day(r["event_date"]), "line": line, "sentence": r["quote"]}
             for line, r in preview.get("conflict_event", [])]
    return pd.DataFrame(rows)


def show_file(name: str, data: bytes, key: str, fixed_kind: str | None = None) -> None:
    st.subheader(file_title(name))
    kind_choice = fixed_kind or st.selectbox("Kind", ["detect", *SOURCE_KINDS], key=f"kind-{key}",
                                             format_func=lambda k: "found from the file" if k == "detect"
                                             else vocab.label(k))
    kind = None if kind_choice == "detect" else kind_choice
    country = st.selectbox("Country of rows that name none", [None, *COUNTRIES], key=f"country-{key}",
                           format_func=lambda iso3: "from the file" if iso3 is None else f"{COUNTRIES[iso3]} ({iso3})",
                           help="Places are looked for only inside each row's own country. A file without a country "
                                "column needs one here, or its places stay unresolved (queued for review).")
    # A sheet or site list without a date column takes this date (a text report asks for its own, below)
    published = None
    if PurePath(name).suffix.lower() not in REPORT_SUFFIXES and fixed_kind != "text_report":
        published = st.date_input("Date of the file, when it has no date column", value=None, format="YYYY-MM-DD",
                                  key=f"file-date-{key}", help="The date of a sheet or camp list whose rows give "
                                  "none, instead of a date in the file's name.")
    mapped = st.text_area("Map columns (optional): COLUMN=FIELD, one per line", key=f"map-{key}", height=68,
                          help="Reads a column of the file as one of its kind's fields; the check below names "
                               "every column of figures the kind does not read, with the fields it has.")
    try:
        column_map = parse_column_map(line for line in mapped.splitlines() if line.strip())
        preview = ingest_file(engine, name, kind, data=data, dry_run=True, column_map=column_map, country=country,
                              published=published)
        if preview.already_loaded:
            st.info(f"Already loaded as batch {preview.batch.batch_id} ({preview.batch.rows_loaded:,} rows): "
                    "recognised by its bytes; loading it again changes nothing.")
            return
        if preview.kind == "text_report":
            found = preview.published
            published = st.date_input("Publication date (relative dates such as \"last Saturday\" resolve against it)",
                                      value=found, format="YYYY-MM-DD", key=f"published-{key}")
            if found and published == found:
                st.caption(f"Publication date from {preview.published_from}.")
            elif published is None:
                st.warning("No publication date: relative dates stay unresolved, and undated events must be dated "
                           "on review before they count.")
            if published != found:
                preview = ingest_file(engine, name, kind, data=data, dry_run=True, published=published,
                                      column_map=column_map, country=country)
    except Exception as exc:  # whatever the file does to a reader: one message, no traceback (ui/file_errors.py)
        show_file_failure(name, exc)
        return
    st.text(checked_text(preview.kind, preview.rows_read, preview.report, preview.rows_landed))
    for line in preview.understood.lines() if preview.understood else []:
        st.text(line)  # the country, period and totals the load would store; st.text renders nothing from a file
    unused = [i for i in preview.report.issues if i.code == "unused-figure-column"]
    if unused:
        st.warning(f"{len(unused)} column(s) of figures will not be loaded (named below, with the fields this "
                   "kind has). To load one as a field, write COLUMN=FIELD in the box above.")
    if preview.kind == "text_report" and preview.preview:
        show_table(text_facts(preview.preview))
    show_report(preview.report)
    if not preview.rows_landed:
        st.error("No rows from this file would be loaded; the lines above say why. Nothing can be loaded from it "
                 "as it is.")
    if st.button("Load this file", key=f"load-{key}", type="primary", disabled=not preview.rows_landed):
        try:
            result = ingest_file(engine, name, kind, data=data, strict=strict, published=published, actor=actor,
                                 column_map=column_map, country=country)
        except Exception as exc:
            show_file_failure(name, exc)
            return
        st.success(loaded_text(result.batch, result.kind))
        st.cache_data.clear()  # every page shows the new data on its next run


for upload in uploads or []:
    try:  # from the size Streamlit reports: before the bytes are taken, long before a reader parses them
        check_size(upload.name, upload.size, upload_limit)
    except RefusedFile as exc:
        show_file_failure(upload.name, exc)
        continue
    show_file(upload.name, upload.getvalue(), upload.file_id)  # ingest_file checks what the content is
if pasted.strip():
    report_bytes = pasted.encode("utf-8")
    try:
        check_size("pasted-report.txt", len(report_bytes), upload_limit)
    except RefusedFile as exc:
        show_file_failure("pasted-report.txt", exc)
    else:
        show_file("pasted-report.txt", report_bytes, "pasted", "text_report")
