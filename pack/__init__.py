"""The weekly chart pack: the pages' charts for one week as PNG, HTML, CSV and a PDF brief.

pack.weekly builds it (queries and figure builders, small counts suppressed), pack.files writes
it (one kaleido browser for every PNG; the brief printed to PDF by the system Chromium).
`python -m charts weekly` and the Export page both use them.
"""
