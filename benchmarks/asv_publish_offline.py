#!/usr/bin/env python
"""``asv publish``, then make the HTML work without internet access.

asv's ``index.html`` loads jQuery, flot (+ plugins), stupidtable, blueimp-md5
and Bootstrap from public CDNs, with subresource-integrity hashes; offline (or
behind a proxy) the page falls back to its "Can not determine continental
origin of swallow" error.  This script

1. runs ``asv publish`` (extra arguments are passed on, e.g. ``--config``);
2. installs the same libraries from the npm registry into a temporary
   directory (``npm install jquery@3.3.1 flot@0.8.3 flot-orderbars@1.0.0
   stupid-table-plugin@1.1.3 blueimp-md5@2.19.0 bootstrap@3.1.1``;
   stupidtable 1.0.1 is not on npm, 1.1.3 is API-compatible);
3. copies them to ``<html_dir>/vendor/`` (Bootstrap's glyph fonts to
   ``<html_dir>/fonts/``, where its CSS looks for them);
4. rewrites the CDN URLs of ``index.html`` to ``vendor/<file>`` and removes
   their ``integrity=``/``crossorigin=``/``referrerpolicy=`` attributes (the
   local files are not byte-identical to the CDN's minified ones).

Then view it with ``asv preview`` (asv loads its JSON over HTTP, so open it
through a server, not ``file://``).

Usage::

    python benchmarks/asv_publish_offline.py [--npm-cache DIR] [--skip-publish] [asv publish args]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NPM_PACKAGES = ["jquery@3.3.1", "flot@0.8.3", "flot-orderbars@1.0.0",
                "stupid-table-plugin@1.1.3", "blueimp-md5@2.19.0", "bootstrap@3.1.1"]

# basename of the CDN URL -> file inside node_modules (first that exists wins)
SOURCES = {
    "jquery-3.3.1.min.js": ["jquery/dist/jquery.min.js"],
    "jquery.flot.min.js": ["flot/jquery.flot.min.js", "flot/jquery.flot.js"],
    "jquery.flot.time.min.js": ["flot/jquery.flot.time.min.js", "flot/jquery.flot.time.js"],
    "jquery.flot.selection.min.js": ["flot/jquery.flot.selection.min.js",
                                     "flot/jquery.flot.selection.js"],
    "jquery.flot.categories.min.js": ["flot/jquery.flot.categories.min.js",
                                      "flot/jquery.flot.categories.js"],
    "jquery.flot.orderBars.js": ["flot-orderbars/js/jquery.flot.orderBars.js"],
    "stupidtable.min.js": ["stupid-table-plugin/stupidtable.min.js",
                           "stupid-table-plugin/stupidtable.js"],
    "md5.min.js": ["blueimp-md5/js/md5.min.js"],
    "bootstrap.min.js": ["bootstrap/dist/js/bootstrap.min.js"],
    "bootstrap.min.css": ["bootstrap/dist/css/bootstrap.min.css"],
}

TAG = re.compile(r"<(script|link)\b[^>]*?\b(src|href)=\"(https?://[^\"]+)\"[^>]*>", re.S)
SRI = re.compile(r"\s+(integrity|crossorigin|referrerpolicy)=\"[^\"]*\"")


def html_dir_from_config(config):
    from asv import util

    conf = util.load_json(config, js_comments=True)
    return Path(config).resolve().parent / conf.get("html_dir", "html")


def npm_install(dest):
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("asv_publish_offline: npm is needed (apt-get install -y npm)")
    (dest / "package.json").write_text(json.dumps({"name": "asv-vendor", "private": True}))
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "--prefix", str(dest)] + NPM_PACKAGES, check=True)
    return dest / "node_modules"


def vendor(html, modules):
    vend = html / "vendor"
    vend.mkdir(exist_ok=True)
    for name, candidates in SOURCES.items():
        for rel in candidates:
            src = modules / rel
            if src.exists():
                shutil.copyfile(src, vend / name)
                break
        else:
            raise SystemExit(f"asv_publish_offline: none of {candidates} in {modules}")
    fonts = html / "fonts"
    fonts.mkdir(exist_ok=True)
    for f in (modules / "bootstrap" / "dist" / "fonts").iterdir():
        shutil.copyfile(f, fonts / f.name)


def rewrite(index):
    text = index.read_text(encoding="utf-8")
    unknown = []

    def repl(m):
        tag, url = m.group(0), m.group(3)
        name = url.rsplit("/", 1)[-1]
        if name not in SOURCES:
            unknown.append(url)
            return tag
        tag = tag.replace(url, f"vendor/{name}")
        return SRI.sub("", tag)

    new = TAG.sub(repl, text)
    if unknown:
        raise SystemExit(f"asv_publish_offline: unknown CDN resources in {index}: {unknown}")
    left = [m.group(3) for m in TAG.finditer(new)]
    if left:
        raise SystemExit(f"asv_publish_offline: CDN URLs left in {index}: {left}")
    index.write_text(new, encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="asv.conf.json")
    ap.add_argument("--npm-cache", metavar="DIR",
                    help="keep the npm install here and reuse it next time")
    ap.add_argument("--skip-publish", action="store_true",
                    help="only vendor the scripts of an existing asv publish output")
    args, rest = ap.parse_known_args(argv)

    if not args.skip_publish:
        subprocess.run([sys.executable, "-m", "asv", "publish", "--config", args.config] + rest,
                       check=True)
    html = html_dir_from_config(args.config)
    index = html / "index.html"
    if not index.exists():
        raise SystemExit(f"asv_publish_offline: {index} does not exist (run asv publish)")

    if args.npm_cache:
        cache = Path(args.npm_cache).resolve()
        cache.mkdir(parents=True, exist_ok=True)
        modules = cache / "node_modules"
        if not all(any((modules / r).exists() for r in c) for c in SOURCES.values()):
            modules = npm_install(cache)
        vendor(html, modules)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            vendor(html, npm_install(Path(tmp)))
    rewrite(index)
    print(f"asv_publish_offline: {index} now loads its scripts from {html / 'vendor'}; "
          f"view it with `asv preview` (HTTP, not file://)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
