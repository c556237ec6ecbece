"""A figure and the rows it draws, as files: PNG (kaleido with a Chrome/Chromium), HTML, CSV.

Pure of Streamlit: the pages' download buttons and the weekly export use the same functions.
The CSV is safe to open in a spreadsheet: a cell that starts with =, +, -, @ (or a tab or
carriage return) is prefixed with an apostrophe so it is read as text, never as a formula, and a
carriage return inside a cell becomes a line feed, so the cell is quoted and never splits a row.
Whole numbers are written as integers ("46270", not "46270.0"); banded cells ("<10") as they are.
The HTML carries plotly.js inline (opens offline) or, in the pack, points at one shared copy,
and has a fixed element id, so the same figure always gives the same bytes.

PNGs need a Chrome or Chromium. With none, kaleido 1.x prints a traceback and then waits forever
(seen on a fresh machine: the pack command never returned). So the browser is looked for first
(find_browser), and every wait on it is bounded by BROWSER_WAIT_S: a browser that does not start,
or does not draw an image, within that time is killed and PNGs are given up for the rest of the
process (NoBrowser, whose message is BROWSER_HINT), never waited for again.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import math
import os
import shutil
import signal
import threading
import warnings
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from charts.markup import inert_markup

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PNG_WIDTH, PNG_HEIGHT, PNG_SCALE = 1200, 600, 2
BROWSER_WAIT_S = 20.0  # the longest wait for a browser to start, draw one image or print the brief (issue 18: never
#                        over 30 s; killing a hung browser and closing its pipes takes a few seconds more)
BROWSER_SETTINGS = ("BROWSER_PATH", "CHROME_PATH")  # BROWSER_PATH is kaleido's (choreographer's) own setting
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
BROWSER_PLACES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable",
                  "/usr/bin/google-chrome", "/snap/bin/chromium",
                  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                  "/Applications/Chromium.app/Contents/MacOS/Chromium")
BROWSER_HINT = ("PNG and PDF need Chrome or Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium) "
                "or set BROWSER_PATH to one.")
SHARED_PLOTLYJS = "plotly.min.js"  # the pack's one copy of plotly.js, beside its HTML files


class NoBrowser(RuntimeError):
    """PNGs cannot be drawn here: no Chrome/Chromium, or it did not start or draw in time. str() says why
    and how to get one (one line)."""


def neutralise(value):
    """A text cell a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value):
    """A text cell neutralised, its carriage returns made line feeds; a whole float as an integer.

    The CSV writer quotes a cell holding the line terminator ("\n") but not one holding a bare
    "\r", which spreadsheets read as a line break: the rest of the cell would start a row of its
    own, and "x\r=1+1" would run "=1+1". As a line feed the cell is quoted and stays one cell.
    A column that mixes banded cells ("<10") with counts holds floats beside text: the counts
    that are whole are written as integers there too.
    """
    if isinstance(value, (float, Decimal)):
        return _whole(value)
    value = neutralise(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _whole(value):
    """46270.0 (or PostgreSQL's Decimal("46270.0") from a SUM) → 46270; 2.5, NaN and infinities unchanged."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as UTF-8 CSV, text cells neutralised, whole numbers as integers; dates as they are."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_float_dtype(series):
            # A float column (a count column with a gap is float in pandas) cell by cell: 46270.0 → 46270.
            safe[column] = pd.Series([None if pd.isna(value) else _whole(float(value)) for value in series],
                                     index=series.index, dtype=object)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            safe[column] = series.map(_csv_cell)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def html_bytes(figure: go.Figure, plotlyjs: str | bool = True) -> bytes:
    """An interactive page. plotly.js inline by default (self-contained, ~5 MB); given a file name
    (SHARED_PLOTLYJS), a <script src> pointing at that file beside the page (the pack's one copy)."""
    return pio.to_html(inert_markup(figure), include_plotlyjs=plotlyjs, full_html=True, div_id="chart",
                       config={"displaylogo": False}).encode("utf-8")


def plotlyjs_bytes() -> bytes:
    """plotly.js as plotly.py ships it (the same version the HTML files are written for)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def _runnable(path: str | None) -> str | None:
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def find_browser() -> str | None:
    """A Chrome/Chromium to draw with: BROWSER_PATH (or CHROME_PATH) when set, else one on the PATH or in its
    usual place, else the one kaleido downloaded (kaleido_get_chrome); None when there is none.

    A setting that names no runnable file counts as none: the user asked for that browser.
    """
    for setting in BROWSER_SETTINGS:
        if os.environ.get(setting, "").strip():
            return _runnable(os.environ[setting].strip())
    for name in BROWSER_NAMES:
        if found := _runnable(shutil.which(name)):
            return found
    for place in BROWSER_PLACES:
        if found := _runnable(place):
            return found
    try:  # kaleido's own download (kaleido_get_chrome, or run.sh when online), if one was made
        from choreographer.cli._cli_utils import get_chrome_download_path

        return _runnable(str(get_chrome_download_path(mkdir=False) or ""))
    except Exception:  # noqa: BLE001 - another choreographer without this helper: no download to use
        return None


def chromium_path() -> str | None:
    """Kept for the callers that only need the path (tests, benchmarks): find_browser()."""
    return find_browser()


class _ImageServer:
    """One kaleido browser for the process, driven from its own thread, every wait bounded.

    kaleido's own sync server waits on its queue without a limit: when the browser is missing or
    never answers, the caller waits forever. Here the browser runs on an event loop in a daemon
    thread and each call waits at most `wait_s`; on a timeout or a failure the browser process is
    killed and the reason kept, so every later call fails at once with it.
    """

    def __init__(self):
        self.failure: str | None = None
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        self._opening = None

    @property
    def wait_s(self) -> float:
        return BROWSER_WAIT_S  # read at each call: a test sets a small bound

    def _run(self, coroutine):
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coroutine, self.wait_s), self._loop)
        try:
            return future.result(timeout=self.wait_s + 5)  # wait_for gives up first; this only if the loop is stuck
        except BaseException:
            future.cancel()
            raise

    def _start(self) -> None:
        browser = find_browser()
        if not browser:
            raise NoBrowser("no Chrome or Chromium found. " + BROWSER_HINT)
        import kaleido

        for name in ("choreographer", "kaleido", "logistro", "browser_proc"):  # their tracebacks are not for users
            logging.getLogger(name).setLevel(logging.CRITICAL)
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="image-server", daemon=True).start()
        try:
            self._kaleido = self._run(self._open(kaleido, browser))
        except BaseException as error:  # noqa: BLE001 - whatever the browser did, PNGs are given up, no traceback
            raise NoBrowser(f"the browser {browser} did not start (it failed, or did not answer within "
                            f"{self.wait_s:g} s). " + BROWSER_HINT) from None

    async def _open(self, kaleido, browser: str):
        made = kaleido.Kaleido(path=browser, n=1, timeout=self.wait_s)
        self._opening = made  # reachable for the kill, should the open time out
        await made.open()
        return made

    def draw(self, figure_dict: dict, opts: dict) -> bytes:
        with self._lock:
            if self.failure:
                raise NoBrowser(self.failure)
            try:
                if self._kaleido is None:
                    self._start()
                return self._run(self._kaleido.calc_fig(figure_dict, opts=opts, topojson=pio.defaults.topojson))
            except NoBrowser as error:
                self._give_up(str(error))
                raise
            except (TimeoutError, *_browser_errors()) as error:  # hung or gone: not to be waited for again
                self._give_up(f"the browser did not draw the image within {self.wait_s:g} s "
                              f"({type(error).__name__}). " + BROWSER_HINT)
                raise NoBrowser(self.failure) from None
            except Exception as error:  # noqa: BLE001 - this figure would not draw; the browser stays for the next
                raise NoBrowser(f"the browser could not draw this chart ({type(error).__name__}: "
                                f"{' '.join(str(error).split())[:200]})") from None

    def _give_up(self, reason: str) -> None:
        """Keep the reason; kill the browser process (a hung one ignores a polite close) and stop the loop."""
        self.failure = reason
        self.close(kill=True)

    def close(self, kill: bool = False) -> None:
        browser = self._kaleido or getattr(self, "_opening", None)
        process = getattr(browser, "subprocess", None)
        if kill and process is not None and process.poll() is None:
            try:  # the browser runs in its own session (choreographer): its helpers go with it
                os.killpg(process.pid, signal.SIGKILL)
            except (AttributeError, OSError):  # not POSIX, or the group is already gone
                process.kill()
            try:
                process.wait(5)
            except Exception:  # noqa: BLE001 - nothing more to do about a process that survives SIGKILL
                pass
        if self._loop is not None and browser is not None:
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), self._loop).result(timeout=5)
            except BaseException:  # noqa: BLE001 - closing is best effort; the process is already gone
                pass
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop, self._kaleido, self._opening = None, None, None


def _browser_errors() -> tuple[type[BaseException], ...]:
    """choreographer's errors for a browser that closed, failed or lost its pipe."""
    from choreographer.errors import BrowserClosedError, BrowserFailedError, ChannelClosedError

    return BrowserClosedError, BrowserFailedError, ChannelClosedError


_server = _ImageServer()
atexit.register(lambda: _server.close(kill=True))


def forget_browser() -> None:
    """Close the browser and forget a failure: the next PNG looks for a browser again (after installing one)."""
    with _server._lock:
        _server.close(kill=True)
        _server.failure = None


def browser_failure() -> str | None:
    """Why the browser failed or hung in this process (one line, with how to get one), or None."""
    return _server.failure


def png_bytes(figure: go.Figure, width: int = PNG_WIDTH, height: int = PNG_HEIGHT, scale: float = PNG_SCALE) -> bytes:
    """The figure as a PNG, drawn by kaleido in Chrome/Chromium; NoBrowser (one line) when that cannot be done
    within BROWSER_WAIT_S."""
    figure_dict = inert_markup(figure).to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _server.draw(figure_dict, dict(format="png", width=width, height=height, scale=scale))
