"""Engine, the demo banner and the date window shared by every page."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from db import queries, vocab
from db.demo import DEMO_LABEL
from db.engine import make_engine
from ui.cache import cached
from ui.heap import freeze_loaded_heap
from ui.safe_text import literal

URL_VALUE_SHOWN = 60  # characters of a refused URL value quoted back on the page
URL_CHOICES_LISTED = 8  # a refused choice lists the allowed values when there are at most this many
# The dates a link's window may use: none of the sources read here goes back further (ACLED starts
# in 1997) nor reports more than a year ahead; a window outside the data is allowed (it is empty).
URL_DATES_FROM = date(1990, 1, 1)
URL_DATES_AHEAD_DAYS = 366


@st.cache_resource
def get_engine():
    engine = make_engine()
    freeze_loaded_heap()  # once per server process, after the first page's imports (ui/heap.py)
    return engine


@st.cache_resource
def ensure_database(_engine) -> None:
    """Migrate and load the shipped gazetteer once per server process, before the first load."""
    from db.setup import prepare_database

    prepare_database(_engine)


def database_ready(engine) -> bool:
    return queries.query_schema_ready(engine)


def from_link(name: str) -> bool:
    """Whether the URL parameter `name` still holds what the link said: its widget (key
    `param-NAME`) has not been drawn yet in this session. Afterwards the page itself writes the
    parameter, and a value that stops being allowed (units after a household size is set) is not
    the link's mistake."""
    return f"param-{name}" not in st.session_state


def refuse_url_value(name: str, value: str, why: str, instead: str) -> None:
    """Say that the link's value of `name` was ignored, why, and what the page shows instead.

    The warning goes to the sidebar, beside the filters: there it shows whatever container the
    widget sits in (a column, the Export page's closed expander). The value is quoted escaped
    (ui.safe_text.literal) and cut to URL_VALUE_SHOWN characters; the caller uses the default
    instead and never writes the value back into the URL.
    """
    shown = " ".join(value.split())  # no line breaks from %0A into the message
    shown = shown if len(shown) <= URL_VALUE_SHOWN else shown[:URL_VALUE_SHOWN] + "…"
    st.sidebar.warning(f"The link's `{name}` value “{literal(shown)}” was ignored: {literal(why)}. "
               f"Showing {literal(instead)} instead.")


def _choices(allowed) -> str:
    allowed = [str(a) for a in allowed]
    if len(allowed) <= URL_CHOICES_LISTED:
        return "not one of " + ", ".join(allowed)
    return f"not one of the {len(allowed)} choices offered"


def param_choice(name: str, allowed: tuple[str, ...], label: str, *, widget=st.radio, default_in_url: bool = True,
                 **options) -> str:
    """A choice that lives in the URL; a value from the link not in `allowed` is refused with a
    warning (refuse_url_value) and the first of `allowed` is used.

    `widget` is st.radio or st.selectbox (`options` go to it). With `default_in_url=False` the
    first of `allowed` is kept out of the URL, as param_number does.
    """
    options.setdefault("format_func", vocab.label)  # a stored code reads as words ("new_displacement")
    wanted = st.query_params.get(name) or allowed[0]  # an empty value is no value
    if wanted not in allowed and from_link(name):
        refuse_url_value(name, wanted, _choices(allowed), str(allowed[0]))
    picked = widget(label, allowed, index=allowed.index(wanted) if wanted in allowed else 0, key=f"param-{name}",
                    **options)
    if picked == allowed[0] and not default_in_url:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = picked
    return picked


def _url_number(name: str, *, minimum: float, maximum: float, integer: bool) -> tuple[float | None, str | None]:
    """(the URL's number, None), or (None, why it is refused); (None, None) when there is none."""
    text = st.query_params.get(name)
    if text is None or not text.strip():
        return None, None
    try:
        wanted = float(text)
    except ValueError:
        return None, "not a number"
    if not minimum <= wanted <= maximum:  # also refuses NaN and infinities
        return None, f"not between {minimum:g} and {maximum:g}"
    if integer and not wanted.is_integer():
        return None, "not a whole number"
    return wanted, None


def param_number(name: str, label: str, *, minimum: float, maximum: float, default: float, step: float,
                 integer: bool = False) -> float:
    """A number that lives in the URL; a value from the link that is not a number in
    [minimum, maximum] (a whole one when `integer`) is refused with a warning and `default` used."""
    kind = int if integer else float
    wanted, refused = _url_number(name, minimum=minimum, maximum=maximum, integer=integer)
    if refused and from_link(name):
        refuse_url_value(name, st.query_params.get(name, ""), refused, f"{default:g}")
    wanted = default if wanted is None else wanted
    if integer:
        wanted = round(wanted)
    picked = st.number_input(label, min_value=kind(minimum), max_value=kind(maximum), value=kind(wanted),
                             step=kind(step), key=f"param-{name}")
    if picked == default:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = f"{picked:g}"
    return picked


def show_demo_banner(engine) -> bool:
    if cached(queries.query_has_demo_data, engine):
        st.warning(
            f"Showing **{DEMO_LABEL}**: invented figures shaped like the Nov–Dec 2024 offensive, for "
            "trying the dashboard. Do not cite them."
        )
        return True
    return False


def _url_date(name: str, earliest: date, latest: date) -> tuple[date | None, str | None]:
    """(the URL's date, None), or (None, why it is refused); (None, None) when there is none."""
    text = st.query_params.get(name)
    if text is None or not text.strip():
        return None, None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None, "not a date written YYYY-MM-DD"
    if not earliest <= day <= latest:
        return None, f"outside the dates a window can take ({earliest:%Y-%m-%d} to {latest:%Y-%m-%d})"
    return day, None


def _note_implausible_days(engine) -> None:
    """Say that rows dated where no record can be (stored before the loaders refused them) are not shown."""
    days, limits = cached(queries.query_implausible_days, engine)
    if days:
        st.info(f"{days} day(s) of figures or events are dated before {limits.earliest_date:%Y-%m-%d} or after "
                f"{limits.latest_date:%Y-%m-%d}; no page shows them. Correct the dates in the source file and load "
                "it again (the Data quality page lists each load).")


def date_window(engine, default_days: int = 7, from_monday: bool = False, area: str | None = None) -> tuple[date, date]:
    """The window every number on the page uses; it lives in the URL so a view can be shared.

    By default the last `default_days` of data; `from_monday` starts it on that first day's
    Monday instead, so a page of weekly charts opens on whole weeks (its first bar is not a
    week cut short) and reads them from the weekly summaries. A `start` or `end` from the link
    that is not a date, lies before URL_DATES_FROM or more than URL_DATES_AHEAD_DAYS after today
    (or the data's last day), or (start) comes after the end is refused with a warning, and the
    default used in its place. `area`: the defaults follow that area's own data (the chosen country).
    """
    first, last = cached(queries.query_area_date_range, engine, area)
    _note_implausible_days(engine)
    last = last or date.today()
    first = first or last - timedelta(days=default_days - 1)
    earliest = min(first, URL_DATES_FROM)
    latest = max(last, date.today()) + timedelta(days=URL_DATES_AHEAD_DAYS)
    refused = []
    end, why = _url_date("end", earliest, latest)
    if why:
        refused.append(("end", why))
    end = end or last
    start, why = _url_date("start", earliest, latest)
    if why:
        refused.append(("start", why))
    elif start is not None and start > end:
        refused.append(("start", f"after the window's end ({end:%Y-%m-%d})"))
        start = None
    if start is None:
        start = end - timedelta(days=default_days - 1)
        if from_monday:
            start -= timedelta(days=start.weekday())
    for name, why in refused:
        refuse_url_value(name, st.query_params.get(name, ""), why,
                         f"the window {start:%Y-%m-%d} to {end:%Y-%m-%d}")
    picked = st.sidebar.date_input("Window", value=(start, end), min_value=min(first, start),
                                   max_value=max(last, end), format="YYYY-MM-DD")
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start, end = picked
    st.query_params["start"], st.query_params["end"] = start.isoformat(), end.isoformat()
    return start, end


