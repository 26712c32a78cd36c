"""The site's search box in headless Chromium at 1,000 and 10,000 generated entries (and the bundled KB).

For each knowledge base: the index kbtool writes (raw and gzipped), then in Debian's Chromium
(/usr/bin/chromium through Playwright, served over HTTP from 127.0.0.1, a fresh browser context
per run, so nothing is cached):
  first result   a query pasted as soon as the page has loaded: milliseconds from navigation to
                 the results on screen, and the bytes the page loaded by then
  ready          focusing the box -> the index loaded and decoded (the first key's wait)
  per key        each query typed key by key: every prefix searched and rendered in turn
                 (median, p95, max), with the main thread's busy time per key (Chrome's
                 TaskDuration: CPU time, plus any wait for a core on a loaded machine) and the
                 longest main-thread task while typing
With --material N, the same site of N generated entries is also built with Material's stock
search instead (kbtool's box switched off) and measured the same way, side by side.

    python benchmarks/site_search_bench.py --entries 1000 10000 --bundled --material 1000 --runs 3

Generated knowledge bases come from benchmarks/generate_kb.py. Their kbtool index is written with
a bare page that loads the search exactly as site pages do (kbtool.sitesearch.hooks.write_standalone),
so a 10,000-entry site need not be built with MkDocs; the bundled KB is a full `kbtool build`.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from generate_kb import generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# Words of generate_kb's vocabulary, some mistyped, as staff type them mid-call.
GENERATED_QUERIES = ("parcel refund", "courier delay update", "voucher discount code", "refnud",
                     "delivry tracking weekend", "apology for the late parcel", "manager callback promise",
                     "replacement stock warehouse", "invoice charge", "survey feedback thanks")
BUNDLED_QUERIES = ("parcel late", "money back", "sounds really frustrating", "refnud", "discount code didnt wrok",
                   "courier has lost track", "calm down", "apology letter delay", "reimburse", "price dropped")

# Set up before any page script runs: note when results first show and every long task.
OBSERVE = """
window.__bench = { first: null, longest: 0, long: [] };
new PerformanceObserver(list => { for (const e of list.getEntries()) {
  window.__bench.long.push([e.startTime, e.duration]);
  window.__bench.longest = Math.max(window.__bench.longest, e.duration); } }).observe({ type: 'longtask', buffered: true });
new MutationObserver(() => {
  if (window.__bench.first !== null) return;
  const kb = document.querySelector('.kb-search__results > li');
  const md = document.querySelector('.md-search-result__item');
  if (kb || md) window.__bench.first = performance.now();
}).observe(document, { childList: true, subtree: true });
"""

TYPE_KEY_BY_KEY = """async ([queries, gap]) => {
  const input = document.querySelector('input[type=search]');
  const list = document.querySelector('.kb-search__results');
  input.focus();
  await KbSearch.ready;
  let shown = null;
  new MutationObserver(() => { if (shown === null) shown = performance.now(); }).observe(list, { childList: true });
  const times = [];
  for (const query of queries) {
    for (let i = 1; i <= query.length; i++) {
      // Each key its own task, `gap` ms after the last one's results, as a typist's keys come:
      // without it, keys whose files are all loaded would run as one long task of microtasks.
      await new Promise(done => setTimeout(done, gap));
      const start = performance.now();
      shown = null;
      input.value = query.slice(0, i);
      await KbSearch.run();
      list.getBoundingClientRect();  // layout included
      const done = performance.now();
      times.push([(shown === null ? done : shown) - start, done - start]);
    }
    input.value = ''; await KbSearch.run();
  }
  return times;
}"""

MATERIAL_QUERY = """async query => {
  const input = document.querySelector('.md-search__input');
  const list = document.querySelector('.md-search-result__list');
  let last = null;
  const seen = new MutationObserver(() => { last = performance.now(); });
  seen.observe(list, { childList: true, subtree: true, characterData: true });
  const start = performance.now();
  input.value = query;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new KeyboardEvent('keyup', { key: query.slice(-1), bubbles: true }));
  await new Promise(done => setTimeout(done, 600));  // Material renders in pieces: wait for quiet
  seen.disconnect();
  return last === null ? null : last - start;
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def index_sizes(site: Path) -> dict[str, Any]:
    folder = site / "kbsearch"
    files = sorted(folder.glob("*.js"))
    core = folder / "index.js"
    return {"files": len(files), "core": core.stat().st_size, "core_gz": gzipped(core),
            "all": sum(f.stat().st_size for f in files), "all_gz": sum(gzipped(f) for f in files)}


def material_sizes(site: Path) -> dict[str, Any]:
    index = site / "search" / "search_index.json"
    return {"files": 1, "core": index.stat().st_size, "core_gz": gzipped(index),
            "all": index.stat().st_size, "all_gz": gzipped(index)}


# -- the sites -------------------------------------------------------------------------------------

def generated_site(entries: int, work: Path) -> tuple[Path, float]:
    """A generated KB's kbtool index and a bare page loading the search; returns the site and the
    CPU seconds the index took to build."""
    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.urls import SiteAddress
    from kbtool.sitesearch.hooks import write_standalone
    from kbtool.sitesearch.index import build_site_index

    root = generate(work / f"kb-{entries}", entries)
    kb = load_knowledge_base(root)
    started = time.process_time()
    index = build_site_index(kb, SiteAddress(directory_urls=False))
    seconds = time.process_time() - started
    site = work / f"site-{entries}"
    write_standalone(site, index, title=f"{entries} generated entries")
    return site, seconds


def built_site(root: Path, material: bool) -> Path:
    """A full `kbtool build` of `root`; with `material`, Material's stock search instead of kbtool's."""
    from kbtool.builders.build import build_site

    if material:
        (root / "docs").mkdir(exist_ok=True)
        (root / "mkdocs.yml").write_text(
            "site_name: Material search\nuse_directory_urls: false\ntheme:\n  name: material\n"
            "plugins:\n  - search\n  - kbtool:\n      site_search: false\n", encoding="utf-8")
    return build_site(root, search_index=False).site_dir


def bundled_root(work: Path) -> Path:
    root = work / "bundled"
    for name in ("standards", "scripts_library", "docs_site"):
        shutil.copytree(REPO / name, root / name)
    for name in ("kb.yaml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    return root


# -- in the browser -------------------------------------------------------------------------------

def task_seconds(cdp: Any) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"]


def new_tab(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    # Material's theme fonts come from the internet; a desk may be offline, and so is this machine.
    tab.route("http*://fonts.g*/**", lambda route: route.abort())
    tab.add_init_script(OBSERVE)
    cdp = context.new_cdp_session(tab)
    cdp.send("Performance.enable")
    return tab, cdp


def first_result(browser: Any, url: str, query: str, box: str) -> dict[str, float]:
    """Navigate, paste `query` as soon as the page has loaded, and time the first results."""
    tab, cdp = new_tab(browser)
    before = task_seconds(cdp)
    tab.goto(url, wait_until="load")
    if box == ".md-search__input":
        tab.locator("label.md-search__icon, .md-search__input").first.click()
    tab.locator(box).first.fill(query)
    tab.wait_for_function("window.__bench.first !== null", timeout=120_000)
    first = tab.evaluate("window.__bench.first")
    loaded = tab.evaluate("""t => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
        .filter(e => e.responseEnd <= t).reduce((n, e) => n + (e.encodedBodySize || 0), 0)""", first)
    cpu = task_seconds(cdp) - before
    longest = tab.evaluate("window.__bench.longest")
    tab.context.close()
    return {"ms": first, "bytes": loaded, "cpu_ms": cpu * 1000, "longest_ms": longest}


def kbtool_typing(browser: Any, url: str, queries: tuple[str, ...], gap: int) -> dict[str, Any]:
    tab, cdp = new_tab(browser)
    tab.goto(url, wait_until="load")
    ready = tab.evaluate("""async () => { const input = document.querySelector('input[type=search]');
        const start = performance.now(); input.focus(); await KbSearch.ready; return performance.now() - start; }""")
    started = tab.evaluate("performance.now()")
    before = task_seconds(cdp)
    times = tab.evaluate(TYPE_KEY_BY_KEY, [list(queries), gap])
    cpu = task_seconds(cdp) - before
    tab.wait_for_timeout(100)  # long-task entries arrive after the task
    longest = tab.evaluate("t => Math.max(0, ...window.__bench.long.filter(e => e[0] >= t).map(e => e[1]))", started)
    tab.context.close()
    return {"ready_ms": ready, "keys": times, "cpu_ms_per_key": cpu * 1000 / len(times), "longest_ms": longest}


def material_queries(browser: Any, url: str, queries: tuple[str, ...]) -> list[float]:
    tab, _ = new_tab(browser)
    tab.goto(url, wait_until="load")
    tab.locator("label.md-search__icon, .md-search__input").first.click()
    tab.wait_for_function("document.querySelector('.md-search__output') !== null")
    tab.evaluate(MATERIAL_QUERY, "warm up")  # the worker has its index after the first answer
    out = [tab.evaluate(MATERIAL_QUERY, q) for q in queries]
    tab.context.close()
    return [t for t in out if t is not None]


def measure(browser: Any, label: str, site: Path, page: str, queries: tuple[str, ...], runs: int,
            material: bool, gap: int = 60) -> dict[str, Any]:
    httpd, base = serve(site)
    url = f"{base}/{page}"
    try:
        box = ".md-search__input" if material else "input[type=search]"
        firsts = [first_result(browser, url, queries[i % len(queries)], box) for i in range(runs)]
        row: dict[str, Any] = {"label": label, "sizes": material_sizes(site) if material else index_sizes(site),
                               "first_ms": statistics.median(f["ms"] for f in firsts),
                               "first_bytes": statistics.median(f["bytes"] for f in firsts),
                               "first_cpu_ms": statistics.median(f["cpu_ms"] for f in firsts),
                               "first_longest_ms": max(f["longest_ms"] for f in firsts)}
        if material:
            times = [t for _ in range(runs) for t in material_queries(browser, url, queries)]
            row.update(ready_ms=None, shown_median=None, shown_p95=None, key_median=statistics.median(times), key_p95=percentile(times, 0.95),
                       key_max=max(times), cpu_ms_per_key=None, typing_longest_ms=None, keys=len(times))
        else:
            typed = [kbtool_typing(browser, url, queries, gap) for _ in range(runs)]
            shown = [t[0] for run in typed for t in run["keys"]]
            times = [t[1] for run in typed for t in run["keys"]]
            row.update(ready_ms=statistics.median(r["ready_ms"] for r in typed),
                       shown_median=statistics.median(shown), shown_p95=percentile(shown, 0.95),
                       key_median=statistics.median(times), key_p95=percentile(times, 0.95), key_max=max(times),
                       cpu_ms_per_key=statistics.median(r["cpu_ms_per_key"] for r in typed),
                       typing_longest_ms=max(r["longest_ms"] for r in typed), keys=len(times))
        return row
    finally:
        httpd.shutdown()


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def longest(value: float | None) -> str:
    # The Long Tasks API reports only tasks over 50 ms.
    return "none over 50 ms" if value == 0 else ms(value)


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| Site | Index: loaded first / all (gzipped) | First result after navigation (bytes by then, "
             "main-thread busy time) | Ready after focus | Per key, first results: median / p95 | "
             "Per key, whole list: median / p95 / max (main-thread busy time per key) | Longest main-thread task while typing |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r["sizes"]
        cpu = "" if r["cpu_ms_per_key"] is None else f" ({ms(r['cpu_ms_per_key'])})"
        lines.append(
            f"| {r['label']} | {kb(s['core'])} / {kb(s['all'])} ({kb(s['core_gz'])} / {kb(s['all_gz'])}) | "
            f"{ms(r['first_ms'])} ({kb(r['first_bytes'])}, {ms(r['first_cpu_ms'])}) | {ms(r['ready_ms'])} | "
            f"{ms(r['shown_median'])} / {ms(r['shown_p95'])} | "
            f"{ms(r['key_median'])} / {ms(r['key_p95'])} / {ms(r['key_max'])}{cpu} | "
            f"{longest(r['typing_longest_ms'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--bundled", action="store_true", help="also measure the bundled knowledge base's built site")
    parser.add_argument("--material", type=int, nargs="*", default=[],
                        help="entry counts to also build with Material's stock search (a full site build each)")
    parser.add_argument("--runs", type=int, default=3, help="fresh browser contexts per measure (medians)")
    parser.add_argument("--gap", type=int, default=60,
                        help="ms between one key's results and the next key (a fast typist: 60; 0 = back to back)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="site-search-bench-") as tmp, sync_playwright() as p:
        work = Path(tmp)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if args.bundled:
            site = built_site(bundled_root(work), material=False)
            rows.append(measure(browser, "bundled (73 entries), kbtool", site, "index.html", BUNDLED_QUERIES,
                                args.runs, material=False, gap=args.gap))
            material = built_site(bundled_root(work / "m"), material=True)
            rows.append(measure(browser, "bundled, Material's search", material, "index.html", BUNDLED_QUERIES,
                                args.runs, material=True))
        for entries in args.entries:
            site, seconds = generated_site(entries, work)
            print(f"{entries} entries: kbtool index built in {seconds:.1f} s CPU", file=sys.stderr)
            rows.append(measure(browser, f"{entries:,} entries, kbtool", site, "index.html", GENERATED_QUERIES,
                                args.runs, material=False, gap=args.gap))
        for entries in args.material:
            root = generate(work / f"material-{entries}", entries)
            site = built_site(root, material=True)
            rows.append(measure(browser, f"{entries:,} entries, Material's search", site, "index.html",
                                GENERATED_QUERIES, args.runs, material=True))
        browser.close()
    print(table(rows))


if __name__ == "__main__":
    main()
