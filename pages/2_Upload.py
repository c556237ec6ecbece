"""Upload: pick files, see what was understood (and what was not, row by row), then confirm."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.writes import RejectedLoad
from loaders.ingest import ingest_file
from loaders.registry import SOURCE_KINDS
from loaders.report import LoadError
from ui.common import ensure_database, get_engine

st.set_page_config(page_title="Upload", page_icon="📥", layout="wide")
st.title("Upload data")
st.caption(
    "Files are checked first and nothing is written until you confirm. Loading the same file twice changes "
    "nothing. Kinds read: " + ", ".join(SOURCE_KINDS) + "."
)
engine = get_engine()
ensure_database(engine)

try:
    from loaders.sources.field_template import field_template_bytes
except ImportError:  # the field template adapter is not part of this build
    field_template_bytes = None
if field_template_bytes is not None:
    st.download_button("Download the field template (CSV)", field_template_bytes(), "field_template.csv",
                       mime="text/csv")

uploads = st.file_uploader("Files", accept_multiple_files=True, type=["csv", "tsv", "txt", "json", "xlsx"])
strict = st.checkbox("Reject a whole file when any row has a problem (strict)")


def show_report(report) -> None:
    if not report.issues:
        st.success("No problems found in the rows.")
        return
    for line in report.summary():
        st.text(line)  # st.text never renders HTML or Markdown from a file
    shown = report.issues[:5_000]
    st.dataframe(
        pd.DataFrame([{"row": i.row, "column": i.field, "code": i.code, "severity": i.severity,
                       "message": i.message, "value": None if i.value is None else str(i.value)}
                      for i in shown]),
        hide_index=True,
    )
    if report.total > len(shown):
        st.caption(f"The first {len(shown):,} of {report.total:,} issues; the counts above cover all of them, "
                   "and a load stores every one with its batch.")


for upload in uploads or []:
    data = upload.getvalue()
    st.subheader(upload.name)
    kind_choice = st.selectbox("Kind", ["detect", *SOURCE_KINDS], key=f"kind-{upload.file_id}")
    kind = None if kind_choice == "detect" else kind_choice
    try:
        preview = ingest_file(engine, upload.name, kind, data=data, dry_run=True)
    except LoadError as exc:
        st.error(str(exc))
        continue
    st.write(f"Understood as **{preview.kind}**: {preview.rows_read:,} rows read, "
             f"{len(preview.report.rejected_rows):,} with problems.")
    show_report(preview.report)
    if st.button("Load this file", key=f"load-{upload.file_id}", type="primary"):
        try:
            result = ingest_file(engine, upload.name, kind, data=data, strict=strict, loaded_by="upload page")
        except (LoadError, RejectedLoad) as exc:
            st.error(str(exc))
            continue
        batch = result.batch
        st.success(
            f"Batch {batch.batch_id}: {batch.rows_inserted:,} inserted, {batch.rows_updated:,} updated, "
            f"{batch.rows_unchanged:,} unchanged, {batch.rows_rejected:,} rejected"
            + (" (this file was already loaded)" if batch.status == "unchanged" else "")
        )
        st.cache_data.clear()  # every page shows the new data on its next run
