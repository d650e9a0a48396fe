#!/usr/bin/env python
"""Check the built docs in a real browser: every formula typeset, no 404, no CDN.

Usage (from the repository root)::

    python docs/check_site.py                 # build with -W, then check
    python docs/check_site.py --no-build      # check an existing docs/_build/html
    python docs/check_site.py --pages chapters   # open only the chapter pages (faster)

Steps:

1. Build the docs from scratch (``python -m sphinx -b html -E -W --keep-going docs
   docs/_build/html``: ``-E`` so that cached pages cannot hide their warnings),
   unless ``--no-build``.
2. Static checks of every HTML page: each local ``href``/``src`` target exists
   (and each ``#anchor`` into a local page is defined there); no asset
   (script, stylesheet, image, font) is loaded from another host; no TeX
   commands (``\\frac``, ``\\sum``, ...) or ``$$`` outside math nodes, as left by
   ``$...$`` typed in reST, which Sphinx does not turn into math.
3. Serve the build directory on 127.0.0.1 (random free port, requests logged),
   open every chapter page and every other page with math (``--pages``) in headless Chromium
   (Debian's ``chromium``, installed with apt-get if missing), and read the DOM
   after MathJax ran: fail on MathJax error markers (``mjx-merror``,
   ``data-mjx-error``, ``mathcolor="red"``), raw ``\\(``/``\\[``/``\\frac`` left in
   a math node, or fewer ``<mjx-container`` elements than formulas in the
   Sphinx output (and than ``:math:``/``.. math::`` in the chapter's source).
4. Fail if the server answered any request with a 4xx/5xx status.
5. Save a screenshot of the Basic NN chapter (``docs/_build/screenshot-basic-nn.png``).

Exit status 0 when everything passed, 1 otherwise, with a summary on stdout.
"""
from __future__ import annotations

import argparse
import functools
import html
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]
SCREENSHOT_PAGE = "chapters/01_basic_nn.html"

# A formula in Sphinx's MathJax output: <span class="math notranslate nohighlight">\(..\)</span>
# or <div class="math notranslate nohighlight">\[..\]</div>.
MATH_NODE = re.compile(r'<(span|div) class="math notranslate nohighlight">(.*?)</\1>', re.S)
MJX_ERROR = re.compile(r'<mjx-merror|data-mjx-error=|<merror|mathcolor="red"')


# ----------------------------------------------------------------------------- utilities
class Report:
    def __init__(self):
        self.failures: list[str] = []
        self.notes: list[str] = []

    def fail(self, msg):
        self.failures.append(msg)
        print(f"  FAIL: {msg}", flush=True)

    def note(self, msg):
        self.notes.append(msg)


def find_chromium(install: bool) -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if not install:
        return None
    print("chromium not found: installing Debian's chromium with apt-get (about 75 s) ...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (sudo + ["apt-get", "update", "-qq"],
                sudo + ["apt-get", "install", "-y", "-qq", "chromium"]):
        res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode:
            print(res.stdout[-3000:])
            return None
    return shutil.which("chromium")


class _Links(HTMLParser):
    """Collect (tag, attribute, value) of every link-like attribute, and every id/name."""

    ASSET_TAGS = {"script": "src", "img": "src", "source": "src", "iframe": "src", "video": "src",
                  "audio": "src", "embed": "src"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str, str]] = []  # (tag, attr, value, rel)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        for key in ("id", "name"):
            if d.get(key):
                self.ids.add(d[key])
        for attr in ("href", "src", "data-src", "poster"):
            if d.get(attr):
                self.links.append((tag, attr, d[attr], (d.get("rel") or "")))
        if d.get("srcset"):
            for part in d["srcset"].split(","):
                if part.strip():
                    self.links.append((tag, "srcset", part.strip().split()[0], ""))


def _is_asset(tag, attr, rel):
    if tag == "link":
        return any(r in rel.split() for r in ("stylesheet", "preload", "icon", "modulepreload",
                                              "shortcut", "manifest"))
    return tag in _Links.ASSET_TAGS or attr == "srcset"


def static_checks(html_dir: Path, report: Report):
    """Local targets exist, anchors exist, no remote assets, no raw TeX outside math."""
    # Sphinx pages only: _static/ holds theme template fragments (Jinja, not HTML pages)
    pages = sorted(p for p in html_dir.rglob("*.html")
                   if not p.relative_to(html_dir).as_posix().startswith("_static/"))
    parsed = {}
    for page in pages:
        p = _Links()
        p.feed(page.read_text(encoding="utf-8", errors="replace"))
        parsed[page.resolve()] = p
    # CSS url(...) targets too (fonts, icons)
    css_missing = []
    for css in html_dir.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text(errors="replace")):
            if ref.startswith(("data:", "#")) or urlsplit(ref).scheme:
                if urlsplit(ref).scheme in ("http", "https"):
                    report.fail(f"{css.relative_to(html_dir)} loads {ref} from the network")
                continue
            target = (css.parent / unquote(urlsplit(ref).path)).resolve()
            if not target.exists():
                css_missing.append(f"{css.relative_to(html_dir)} -> {ref}")
    for miss in css_missing:
        report.fail(f"missing CSS asset: {miss}")
    n_links = missing = remote = anchors_missing = 0
    for page, p in parsed.items():
        rel_page = page.relative_to(html_dir.resolve())
        for tag, attr, value, rel in p.links:
            value = html.unescape(value).strip()
            parts = urlsplit(value)
            if parts.scheme in ("http", "https") or value.startswith("//"):
                if _is_asset(tag, attr, rel):
                    remote += 1
                    report.fail(f"{rel_page}: <{tag} {attr}> loads {value} from the network")
                continue
            if parts.scheme in ("mailto", "data", "javascript", "tel"):
                continue
            n_links += 1
            if not parts.path:  # "#anchor" on the same page
                if parts.fragment and parts.fragment not in p.ids and tag == "a":
                    anchors_missing += 1
                    report.fail(f"{rel_page}: link to missing anchor #{parts.fragment}")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                missing += 1
                report.fail(f"{rel_page}: <{tag} {attr}={value!r}> -> missing {target.relative_to(html_dir.resolve()) if target.is_relative_to(html_dir.resolve()) else target}")
                continue
            if parts.fragment and tag == "a" and target in parsed:
                if parts.fragment not in parsed[target].ids:
                    anchors_missing += 1
                    report.fail(f"{rel_page}: link {value!r} -> anchor missing in "
                                f"{target.relative_to(html_dir.resolve())}")
    report.note(f"static: {len(pages)} pages, {n_links} local links/assets checked; "
                f"{missing} missing, {anchors_missing} missing anchors, {remote} remote assets")
    # raw TeX that never became a math node ($...$ typed in rst, or a :math: role gone wrong)
    raw_pages = 0
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        body = _visible_text_outside_math(text)
        hits = re.findall(r"\\(?:frac|sum|sqrt|begin|mathbb|odot|alpha)\b|\$\$", body)
        if hits:
            raw_pages += 1
            report.fail(f"{page.relative_to(html_dir)}: raw TeX outside math nodes: {sorted(set(hits))}")
    return pages


def _visible_text_outside_math(text: str) -> str:
    text = re.sub(r"<(script|style|pre|code|textarea)\b.*?</\1>", " ", text, flags=re.S)
    text = MATH_NODE.sub(" ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    # search.html / genindex contain no TeX; the searchindex is a .js file, not scanned
    return html.unescape(text)


# A formula's opening delimiter: \( or \[ that is not the second half of a TeX line
# break with spacing, ``\\[2pt]`` (a backslash preceded by another backslash).
OPEN_DELIM = re.compile(r"(?<!\\)\\[(\[]")


def count_math(text: str) -> int:
    """Formulas in Sphinx's output: one per \\( \\) or \\[ \\] inside the math nodes."""
    n = 0
    for _, inner in MATH_NODE.findall(text):
        inner = html.unescape(inner)
        n += max(1, len(OPEN_DELIM.findall(inner)))
    return n


def count_source_math(rst: Path) -> int:
    """``:math:`` roles and ``.. math::`` directives written in an .rst source."""
    src = rst.read_text(encoding="utf-8")
    return len(re.findall(r":math:`", src)) + len(re.findall(r"^\s*\.\. math::", src, re.M))


# ----------------------------------------------------------------------------- server
class _Handler(http.server.SimpleHTTPRequestHandler):
    log: list[tuple[str, int]] = []

    def log_request(self, code="-", size="-"):
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = 0
        self.log.append((self.path, code))

    def log_message(self, format, *args):  # keep stdout clean
        pass


def serve(html_dir: Path):
    handler = functools.partial(_Handler, directory=str(html_dir))
    _Handler.log = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def chromium_run(chromium, args, timeout=120):
    profile = tempfile.mkdtemp(prefix="dlnotes-chromium-")
    try:
        res = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return res.returncode, res.stdout.decode("utf-8", errors="replace"), \
            res.stderr.decode("utf-8", errors="replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html-dir", default=str(DOCS / "_build" / "html"),
                    help="built HTML directory (default docs/_build/html)")
    ap.add_argument("--no-build", action="store_true", help="check an existing build")
    ap.add_argument("--source-dir", default=str(DOCS),
                    help="the Sphinx source directory (default: this script's directory)")
    ap.add_argument("--no-install", action="store_true",
                    help="do not apt-get install chromium when it is missing (then fail)")
    ap.add_argument("--budget", type=int, default=15000,
                    help="Chromium --virtual-time-budget in ms (default 15000)")
    ap.add_argument("--screenshot", default=str(DOCS / "_build" / "screenshot-basic-nn.png"))
    ap.add_argument("--pages", choices=("chapters", "math", "all"), default="math",
                    help="pages opened in the browser: the chapter pages only, the chapters and "
                         "every page with math (default), or every page")
    args = ap.parse_args(argv)
    html_dir = Path(args.html_dir).resolve()
    src_dir = Path(args.source_dir).resolve()
    report = Report()
    t0 = time.time()

    if not args.no_build:
        print("== building the docs (sphinx -W)", flush=True)
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-W", "--keep-going", "-q",
               str(src_dir), str(html_dir)]
        print("   " + " ".join(cmd), flush=True)
        res = subprocess.run(cmd, cwd=ROOT)
        if res.returncode:
            report.fail(f"sphinx build failed (exit {res.returncode}); see the warnings above")
    if not (html_dir / "index.html").exists():
        report.fail(f"no built docs in {html_dir}")
        return finish(report, t0)

    print("== static checks", flush=True)
    pages = static_checks(html_dir, report)
    if not (html_dir / "_static" / "mathjax" / "tex-chtml.js").exists():
        report.fail("_static/mathjax/tex-chtml.js missing: MathJax is not bundled "
                    "(sphinx-mathjax-offline not active?)")

    # pages to open in the browser
    chapter_pages = sorted((html_dir / "chapters").glob("*.html"))
    if not chapter_pages:
        report.fail("no chapter page in the build (docs/chapters/*.rst)")
    targets = []
    for page in pages:
        rel = page.relative_to(html_dir).as_posix()
        text = page.read_text(encoding="utf-8", errors="replace")
        if (args.pages == "all" or rel.startswith("chapters/")
                or (args.pages == "math" and MATH_NODE.search(text))):
            targets.append((rel, count_math(text)))

    print("== browser checks", flush=True)
    chromium = find_chromium(install=not args.no_install)
    if chromium is None:
        report.fail("Chromium is not available (apt-get install -y chromium)")
        return finish(report, t0)
    server = serve(html_dir)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    report.note(f"serving {html_dir} on {base}; {chromium}")
    total_typeset = total_expected = 0
    try:
        for rel, expected in targets:
            code, dom, err = chromium_run(chromium, [f"--virtual-time-budget={args.budget}",
                                                     "--dump-dom", base + rel])
            if code or "<html" not in dom:
                report.fail(f"{rel}: chromium exit {code}: {err.strip()[-300:]}")
                continue
            typeset = dom.count("<mjx-container")
            errors = len(MJX_ERROR.findall(dom))
            raw = 0
            for _, inner in MATH_NODE.findall(dom):
                if re.search(r"\\\(|\\\[|\\frac", html.unescape(inner)):
                    raw += 1
            src_count = 0
            if rel.startswith("chapters/"):
                src = src_dir / "chapters" / (Path(rel).stem + ".rst")
                if src.exists():
                    src_count = count_source_math(src)
            need = max(expected, src_count)
            total_typeset += typeset
            total_expected += expected
            status = "ok"
            if errors:
                report.fail(f"{rel}: {errors} MathJax error marker(s)")
                status = "ERR"
            if raw:
                report.fail(f"{rel}: {raw} math node(s) still hold raw TeX (MathJax did not run?)")
                status = "ERR"
            if typeset < need:
                report.fail(f"{rel}: {typeset} typeset formulas < {need} expected "
                            f"({expected} math nodes in the HTML, {src_count} in the source)")
                status = "ERR"
            print(f"  {status:3s} {rel}: {typeset} typeset / {expected} formulas"
                  + (f" ({src_count} in source)" if src_count else ""), flush=True)

        shot_page = SCREENSHOT_PAGE if (html_dir / SCREENSHOT_PAGE).exists() else (
            targets[0][0] if targets else "index.html")
        shot = Path(args.screenshot).resolve()
        shot.parent.mkdir(parents=True, exist_ok=True)
        if shot.exists():
            shot.unlink()
        code, _, err = chromium_run(chromium, [f"--virtual-time-budget={args.budget}",
                                               "--window-size=1280,2200",
                                               f"--screenshot={shot}", base + shot_page])
        if shot.exists() and shot.stat().st_size > 1000:
            report.note(f"screenshot of {shot_page}: {shot}")
        else:
            report.fail(f"screenshot of {shot_page} failed (exit {code}): {err.strip()[-300:]}")
    finally:
        server.shutdown()
        server.server_close()

    bad = [(path, code) for path, code in _Handler.log if code >= 400]
    favicon = [p for p, _ in bad if p.split("?")[0] == "/favicon.ico"]
    for path, code in bad:
        if path.split("?")[0] != "/favicon.ico":
            report.fail(f"HTTP {code} for {path}")
    report.note(f"server: {len(_Handler.log)} requests, {len(bad)} with status >= 400"
                + (f" ({len(favicon)} for /favicon.ico, which Chromium requests on its own: "
                   "ignored)" if favicon else ""))
    report.note(f"browser: {len(targets)} pages, {total_typeset} formulas typeset "
                f"({total_expected} math nodes in the HTML)")
    return finish(report, t0)


def finish(report: Report, t0: float) -> int:
    print("\n== summary", flush=True)
    for n in report.notes:
        print(f"  {n}")
    if report.failures:
        print(f"FAILED: {len(report.failures)} problem(s) ({time.time() - t0:.0f} s):")
        for f in report.failures:
            print(f"  - {f}")
        return 1
    print(f"PASSED: formulas typeset, no 404, no missing link target, no remote assets "
          f"({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
