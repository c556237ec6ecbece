# Sourced by run.sh (after setup-venv.sh): make sure PNG and PDF exports have a Chrome/Chromium.
# 1. one already here (BROWSER_PATH or CHROME_PATH, else chromium, google-chrome… on the PATH or in their
#    usual places, else kaleido's own download): charts.export.find_browser, the same search the exports use;
# 2. else, as root on Debian/Ubuntu, Debian's `chromium` package (apt-get, non-interactive, ~1 min);
# 3. else, when storage.googleapis.com answers, kaleido's own download of Chrome for Testing;
# 4. else one line saying PNG/PDF need Chromium and how to get it; the dashboard starts all the same.
# NO_BROWSER_INSTALL=1 skips steps 2 and 3. Every step is bounded (timeout), none waits on a prompt.
find_browser_py='from charts.export import find_browser; print(find_browser() or "")'
browser="$(python -c "$find_browser_py")"
if [ -z "$browser" ] && [ "${NO_BROWSER_INSTALL:-}" != "1" ] && [ "$(id -u)" = "0" ] \
    && command -v apt-get >/dev/null 2>&1 && grep -qiE '^(id|id_like)=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
  echo "No Chrome/Chromium found: installing Debian's chromium for PNG/PDF exports (apt-get, about a minute) ..."
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
    || { timeout 300 apt-get update -q >/dev/null 2>&1 && timeout 600 apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; } \
    || true
  browser="$(python -c "$find_browser_py")"
fi
if [ -z "$browser" ] && [ "${NO_BROWSER_INSTALL:-}" != "1" ] \
    && python -c 'import socket; socket.create_connection(("storage.googleapis.com", 443), 5).close()' 2>/dev/null; then
  echo "No Chrome/Chromium found: downloading kaleido's Chrome for PNG/PDF exports ..."
  timeout 600 python -c 'import kaleido; kaleido.get_chrome_sync()' >/dev/null 2>&1 || true
  browser="$(python -c "$find_browser_py")"
fi
if [ -n "$browser" ]; then
  echo "PNG/PDF exports draw with $browser"
else
  python -c 'from charts.export import BROWSER_HINT; print("No Chrome/Chromium: " + BROWSER_HINT)'
fi
