"""Admin: the audit trail (who loaded, reviewed, linked, decided or deleted what, and when),
deleting a load batch, and removing the demo data. Admins only; the db functions check the role again."""

from __future__ import annotations

import streamlit as st

from access.policy import Permission, PermissionDenied
from db import audit, batches, demo, quality_queries, vocab
from db.engine import DatabaseBusy
from db.vocab import AUDIT_ACTIONS
from ui.cache import cached
from ui.page import open_page
from ui.show import show_table

page = open_page("Admin", "🛡️", "Admin: audit trail and load batches", permission=Permission.SEE_AUDIT)
if "admin_message" in st.session_state:
    st.success(st.session_state.pop("admin_message"))

st.subheader("Audit trail")
action = st.selectbox("Action", ["all", *AUDIT_ACTIONS], key="admin-action",
                      format_func=lambda a: "every action" if a == "all" else vocab.label(a))
trail = cached(audit.query_audit, page.engine, action=None if action == "all" else action)
if trail.empty:
    st.info("Nothing on the audit trail yet" + ("" if action == "all" else " for this action") + ".")
else:
    st.caption(f"The latest {len(trail):,} entries, newest first. Each was written in the same transaction as the "
               "change it records.")
    # Words, not the stored codes: "load batch", and the detail as "file: …; inserted: 168; …", not JSON.
    trail = trail.assign(**{column: trail[column].map(words) for column, words in
                            (("target_table", vocab.label), ("detail", vocab.detail_words)) if column in trail})
    show_table(trail, column_config={
        "occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss")})

st.subheader("Delete a load batch")
st.caption("Its rows leave every page, except those another live batch loaded too: they stay, with that batch's "
           "values. Otherwise rows it inserted are deleted and rows it revised get their previous values back "
           "(unless a later load revised them again). The batch stays listed as deleted, with its issues, and the "
           "same file can be loaded again.")
live = cached(quality_queries.query_live_batches, page.engine)
if live.empty:
    st.info("No loaded batch to delete.")
else:
    labels = {int(row.batch_id): f"{int(row.batch_id)} — {vocab.label(row.file_name, 'no file')} "
              f"({vocab.label(row.source_kind)}, {row.rows_loaded:,} rows, {row.finished_at:%Y-%m-%d %H:%M})"
              for row in live.itertuples()}
    chosen = st.selectbox("Batch", list(labels), format_func=labels.get, key="admin-batch")
    typed = st.text_input(f"Type the batch number ({chosen}) to confirm", key="admin-confirm")
    if st.button("Delete this batch", type="primary", key="admin-delete", disabled=typed.strip() != str(chosen)):
        try:
            done = batches.delete_batch(page.engine, chosen, actor=page.actor)
        except (batches.BatchError, PermissionDenied, DatabaseBusy) as exc:
            st.error(str(exc))
        else:
            st.session_state["admin_message"] = (f"Batch {done.batch_id} deleted: {done.removed:,} row(s) removed, "
                                                 f"{done.restored:,} restored to their previous values, "
                                                 f"{done.kept:,} left as a later load revised them, "
                                                 f"{done.handed_over:,} kept for another batch that loaded them too.")
            st.cache_data.clear()  # every page counts without the batch on its next run
            st.rerun()

st.subheader("Remove the demo data")
demo_batches = cached(demo.live_demo_batches, page.engine)
if not demo_batches:
    st.info("No demo data is loaded.")
else:
    st.caption(f"The synthetic demo is loaded ({len(demo_batches)} batch(es)). Remove it once real data is loaded, "
               "and always before making charts or a weekly pack for a report: its charts say \"demo data "
               "(synthetic)\". Each demo batch is deleted as above, on the audit trail; real loads stay. "
               "`python -m db demo` brings it back.")
    sure = st.checkbox("I want to remove every demo row", key="admin-demo-confirm")
    if st.button("Remove the demo data", key="admin-remove-demo", disabled=not sure):
        try:
            removed = demo.remove_demo(page.engine, actor=page.actor)
        except (batches.BatchError, PermissionDenied, DatabaseBusy) as exc:
            st.error(str(exc))
        else:
            st.session_state["admin_message"] = (
                f"Demo data removed: {removed.batches} batch(es), {removed.removed:,} row(s) deleted, "
                f"{removed.places_removed} demo place(s) removed.")
            st.cache_data.clear()
            st.rerun()
