/*
 * kbtool site search: the search box on every page (kbtool.sitesearch.hooks puts it in the header).
 *
 * Loads the index on first use with <script> tags (pages opened from file:// cannot fetch()),
 * ranks with KbSearchEngine (kbsearch-engine.js), and shows results staff can act on: the
 * sentence to say, where it comes from, a copy button, the avoid/why notes on demand.
 * Content reaches the page only through textContent and DOM properties, never as markup.
 *
 * Keys: "/" focuses the box; results follow every key; Up/Down choose; Enter copies the chosen
 * sentence, Enter again (or Ctrl+Enter, or a click) opens its place; Esc closes.
 */
(function () {
  "use strict";

  var LIMIT = 10;        // content rows (one per entry), as `kbtool search` ranks them
  var PAGE_LIMIT = 3;    // page results (guides, index pages, team pages) below them
  var PAGE_SLOT = 4;     // the one place in the top five a strong page match may take
  var FIRST = 5;         // results shown before the rest have loaded (what fills the panel)
  var EARLY_MS = 300;    // how long a search waits for ranking by meaning before showing words
  var script = document.currentScript;
  var box = document.querySelector("[data-kb-search]");
  var input = box && box.querySelector("input[type=search]");
  if (!box || !input || !window.KbSearchEngine) return;

  // The site root: this script is assets/kbsearch/kbsearch.js under it (works from file:// too).
  var siteRoot = new URL("../../", script ? script.src : document.baseURI);
  var version = box.getAttribute("data-kb-version") || "";
  var store = (self.__kbsearch = self.__kbsearch || {});
  var loading = new Map();
  var index = null, indexPromise = null;
  var state = { seq: 0, results: [], selected: -1, copied: -1, query: "", scrolled: false, shown: null };
  var api = { lastCopied: null, ready: null, state: state };
  window.KbSearch = api;

  var el = kbkit.el;

  // -- loading ------------------------------------------------------------------------------------

  function load(name) {
    if (store[name] !== undefined) return Promise.resolve(store[name]);
    var pending = loading.get(name);
    if (pending) return pending;
    pending = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = new URL("kbsearch/" + (name === "core" ? "index" : name) + ".js?v=" + encodeURIComponent(version),
                        siteRoot).href;
      tag.async = true;
      tag.onload = function () {
        tag.remove();
        if (store[name] === undefined) reject(new Error("kbsearch: " + name + " did not load"));
        else resolve(store[name]);
      };
      tag.onerror = function () { tag.remove(); loading.delete(name); reject(new Error("kbsearch: cannot load " + name)); };
      document.head.appendChild(tag);
    });
    loading.set(name, pending);
    return pending;
  }

  function ensureIndex() {
    if (!indexPromise) {
      indexPromise = load("core").then(function (core) {
        index = new KbSearchEngine.Index(core);
        buildFilters(core);
        return index;
      });
      indexPromise.catch(function () { indexPromise = null; });
      api.ready = indexPromise;
    }
    return indexPromise;
  }

  function loadShards(numbers) {
    return Promise.all(numbers.map(function (n) {
      return load("p" + n).then(function (data) { index.addShard(n, data); delete store["p" + n]; });
    }));
  }

  // -- ranking by meaning (kb.yaml search: semantic_site: true) ---------------------------------

  var meaningPromise = null;

  /** The tokenizer and every document's vector, loaded with the first query (null when off). */
  function ensureMeaning() {
    var spec = index.core.meaning;
    if (!spec || !window.KbSearchMeaning) return Promise.resolve(null);
    if (!meaningPromise) {
      var names = ["mtok"];
      for (var c = 0; c < spec.vectorChunks; c++) names.push("mv" + c);
      meaningPromise = Promise.all(names.map(load)).then(function (data) {
        var meaning = new KbSearchMeaning.Meaning(spec, data[0], data.slice(1), KbSearchEngine.bytes);
        names.forEach(function (name) { delete store[name]; });
        return meaning;
      });
      meaningPromise.catch(function () { meaningPromise = null; });
    }
    return meaningPromise;
  }

  /** The lexical hits for `query`: as many as rows are made from (api.ROW_DEPTH), or as fusion
   * re-ranks (semantic.lexical_depth), whichever is more. */
  function lexical(query, filters) {
    var spec = index.core.meaning, depth = index.core.rowDepth;
    return index.search(query, filters, spec ? Math.max(depth, spec.depth) : depth, loadShards);
  }

  /** The rows staff see for `found`'s hits: one per entry, close ones first, the preferred channel first. */
  function withRows(found) {
    found.rows = index.rows(found, found.hits, preferred(), LIMIT);
    return found;
  }

  /** `found` as `kbtool search` ranks it: re-ranked by meaning when the site has it (a copy;
   * `found` itself stays the lexical ranking), then made into rows. */
  function byMeaning(query, filters, found) {
    var depth = index.core.rowDepth;
    var out = withRows(Object.assign({}, found, { hits: found.hits.slice(0, depth) }));
    if (!index.core.meaning) return Promise.resolve(out);
    return ensureMeaning().then(function (meaning) {
      if (!meaning) throw new Error("kbsearch: the meaning files did not load");
      var chunks = meaning.missing(meaning.tokenizer.ids(query));
      return Promise.all(chunks.map(function (c) {
        return load("mt" + c).then(function (data) { meaning.addTokens(c, data); delete store["mt" + c]; });
      })).then(function () {
        out.hits = meaning.fuse(query, found.hits, depth, index.filterFor(filters));
        return withRows(out);
      });
    }).catch(function (error) {
      // Ranking by words still works: say why in the console, show the lexical ranking.
      if (window.console) console.warn(error.message);
      return out;
    });
  }

  /** The ranked content hits for `query`, as `kbtool search` ranks them: {hits: [[doc, score]], ...}. */
  function rank(query, filters) {
    return lexical(query, filters).then(function (found) { return byMeaning(query, filters, found); });
  }
  api.rank = function (query, filters) {
    return ensureIndex().then(function () { return rank(query, filters || {}); });
  };

  /** What results show for `rows` (and the items folded under each), from the chunks that hold them. */
  function docsFor(rows) {
    var per = index.core.docsPerChunk, chunks = new Set();
    rows.forEach(function (row) {
      chunks.add(Math.floor(row.doc / per));
      row.more.forEach(function (other) { chunks.add(Math.floor(other.doc / per)); });
    });
    function shown(found) {
      var chunk = store["d" + Math.floor(found.doc / per)], row = chunk.docs[found.doc % per];
      var entry = chunk.entries[row[0]];
      return { doc: found.doc, score: found.score, close: found.close, entry: row[0], item: row[1], anchor: row[2],
               title: row[3], say: row[4], notes: row[5], entryTitle: entry[0], page: entry[1], channels: entry[2],
               kind: index.core.kinds[index.docKinds[found.doc]][1] };
    }
    return Promise.all(Array.from(chunks).map(function (c) { return load("d" + c); })).then(function () {
      return rows.map(function (row) {
        var result = shown(row);
        result.more = row.more.map(shown);
        return result;
      });
    });
  }

  // -- the panel ---------------------------------------------------------------------------------

  var panel = el("div", { class: "kb-search__panel" });
  panel.id = "kb-search-panel";
  panel.hidden = true;
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", "Search results");
  var filters = el("div", { class: "kb-search__filters" });
  var status = el("p", { class: "kb-search__status" });
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var list = el("ol", { class: "kb-search__results" });
  list.setAttribute("aria-label", "Results");
  var miss = el("p", { class: "kb-search__miss" });
  miss.hidden = true;
  var keys = el("p", { class: "kb-search__keys", text: "\u2191 \u2193 choose \u00b7 Enter copies \u00b7 Enter again opens \u00b7 Esc closes" });
  keys.id = "kb-search-keys";
  var toast = el("p", { class: "kb-search__toast" });
  toast.setAttribute("role", "status");
  toast.setAttribute("aria-live", "assertive");
  panel.append(filters, status, list, miss, keys);
  box.append(panel, toast);
  var selects = {};

  function buildFilters(core) {
    if (filters.childElementCount) return;
    [["kind", "Kind", core.kinds], ["channel", "Channel", core.channels], ["situation", "Situation", core.situations]]
      .forEach(function (spec) {
        var label = el("label", { class: "kb-search__filter" }), select = el("select");
        label.append(el("span", { class: "kb-search__filter-name", text: spec[1] }), select);
        select.append(new Option("Any " + spec[1].toLowerCase(), ""));
        spec[2].forEach(function (option) { select.append(new Option(option[1], option[0])); });
        select.setAttribute("data-kb-filter", spec[0]);
        select.addEventListener("change", function () { run(); });
        selects[spec[0]] = select;
        filters.append(label);
      });
    buildPrefer(core);
  }

  // The channel this person works on, kept in the browser: its lines come first, others stay listed.
  var PREFER_KEY = "kbsearch.prefer";
  var preferSelect = null;

  function storedPrefer() {
    return kbkit.storage.get(PREFER_KEY, "");
  }

  function preferred() {
    return preferSelect ? preferSelect.value || null : storedPrefer() || null;
  }

  function buildPrefer(core) {
    var label = el("label", { class: "kb-search__filter kb-search__prefer" });
    preferSelect = el("select");
    label.append(el("span", { class: "kb-search__filter-name", text: "I'm on" }), preferSelect);
    // The options say what they are for: the channel filter beside it lists the same names.
    preferSelect.append(new Option("I'm on: any", ""));
    core.channels.forEach(function (option) { preferSelect.append(new Option("I'm on: " + option[1], option[0])); });
    preferSelect.setAttribute("data-kb-prefer", "");
    var kept = storedPrefer();
    if (kept && core.channelBits[kept]) preferSelect.value = kept;
    preferSelect.addEventListener("change", function () {
      kbkit.storage.set(PREFER_KEY, preferSelect.value);  // refused in private mode: this page only
      run();
    });
    filters.append(label);
  }

  function currentFilters() {
    var out = {};
    Object.keys(selects).forEach(function (name) { if (selects[name].value) out[name] = selects[name].value; });
    return out;
  }

  function open() {
    if (!panel.hidden) return;
    panel.hidden = false;
  }

  function close() {
    panel.hidden = true;
  }

  // -- feedback on a miss ------------------------------------------------------------------------

  /** The feedback address with the query filled in: mailto subject and body, or URL parameters. */
  function feedbackUrl(address, query, top) {
    if (!address) return null;
    var subject = "Search found nothing useful: " + query;
    var body = "I searched the site for \u201c" + query + "\u201d and did not find what I needed.\n\n" +
      (top ? "The best it found (not close): " + top.title + " (" + top.page + (top.anchor ? "#" + top.anchor : "") +
             ")\n\n" : "") + "What I was looking for: ";
    if (/^mailto:/i.test(address)) {
      return address + (address.indexOf("?") === -1 ? "?" : "&") + "subject=" + encodeURIComponent(subject) +
        "&body=" + encodeURIComponent(body);
    }
    if (!/^https?:\/\//i.test(address)) return null;
    try {
      var url = new URL(address);
      url.searchParams.set("title", subject);
      url.searchParams.set("body", body);
      return url.href;
    } catch (e) {
      return null;
    }
  }
  api.feedbackUrl = feedbackUrl;

  function showMiss(query, nothing, top) {
    var href = feedbackUrl(index && index.core.feedback, query, top);
    miss.replaceChildren();
    miss.hidden = !href;
    if (!href) return;
    var link = el("a", { class: "kb-search__tell", text: "Tell the mentors" });
    link.href = href;
    if (!/^mailto:/i.test(href)) { link.target = "_blank"; link.rel = "noopener noreferrer"; }
    miss.append(document.createTextNode(nothing ? "Nothing useful? " : "Not what you needed? "), link);
    miss.classList.toggle("kb-search__miss--strong", nothing);
  }

  // -- results ---------------------------------------------------------------------------------

  /** Content hits, then pages: one strong page match may take fifth place, the rest come after. */
  function merge(hits, pages) {
    var out = hits.slice(), rest = pages.slice(0, PAGE_LIMIT);
    if (rest.length && rest[0].all && out.length > PAGE_SLOT) {
      out.splice(PAGE_SLOT, 0, rest.shift());
    }
    return out.concat(rest);
  }

  function isContent(result) { return result.doc !== undefined; }

  function renderResult(result, position) {
    var li = el("li", { class: "kb-result" });
    li.id = "kb-result-" + position;
    var link = el("a", { class: "kb-result__open" });
    if (isContent(result)) {
      li.setAttribute("data-kb-entry", result.entry);
      if (result.item) li.setAttribute("data-kb-item", result.item);
      li.setAttribute("data-kb-close", result.close ? "true" : "false");
      if (!result.close) {
        li.classList.add("kb-result--weak");
        li.append(el("p", { class: "kb-result__weak", text: "Weak match: check it before you read it out" }));
      }
      link.href = new URL(result.page + (result.anchor ? "#" + result.anchor : ""), siteRoot).href;
      link.textContent = result.title;
      var say = el("p", { class: "kb-result__say", text: result.say });
      var meta = el("p", { class: "kb-result__meta" });
      meta.append(link, el("span", { class: "kb-result__kind", text: result.kind }));
      if (result.channels.length) meta.append(el("span", { class: "kb-result__channels", text: result.channels.join(", ") }));
      var actions = el("div", { class: "kb-result__actions" });
      var copyButton = kbkit.button({ class: "kb-result__copy", text: "Copy", "aria-label": "Copy: " + result.say.slice(0, 80) },
        function (event) {
          event.stopPropagation();
          select(position);
          copy(position);
        });
      actions.append(copyButton);
      if (result.notes.length) {
        var notes = el("details", { class: "kb-result__notes" }), summary = el("summary", { text: "Avoid / why" });
        var items = el("ul");
        result.notes.forEach(function (note) { items.append(el("li", { text: note })); });
        notes.append(summary, items);
        actions.append(notes);
      }
      li.append(say, meta, actions);
      if (result.more.length) li.append(renderMore(result.more));
    } else {
      li.classList.add("kb-result--page");
      li.setAttribute("data-kb-page", result.page.path);
      link.href = new URL(result.page.path, siteRoot).href;
      link.textContent = result.page.title;
      var pageMeta = el("p", { class: "kb-result__meta" });
      pageMeta.append(link, el("span", { class: "kb-result__kind", text: result.page.label }));
      li.append(pageMeta);
    }
    li.addEventListener("click", function (event) {
      if (event.target.closest("button, a, summary, details")) return;
      select(position);
      openResult(position);
    });
    return li;
  }

  /** The entry's other matching items, folded under its row: each with its words and a link. */
  function renderMore(more) {
    var fold = el("details", { class: "kb-result__more" });
    fold.append(el("summary", { text: more.length === 1 ? "1 more in this entry" : more.length + " more in this entry" }));
    var items = el("ul");
    more.forEach(function (other) {
      var item = el("li"), link = el("a", { text: other.title });
      link.href = new URL(other.page + (other.anchor ? "#" + other.anchor : ""), siteRoot).href;
      if (other.item) item.setAttribute("data-kb-more-item", other.item);
      item.append(el("p", { class: "kb-result__more-say", text: other.say }), link);
      items.append(item);
    });
    fold.append(items);
    return fold;
  }

  /** Shows `results`; `partial` when only the first few are in and the rest are still loading
   * (the list's data-kb-query is set only once the whole list is on screen). */
  function render(query, found, results, partial) {
    var again = state.shown === found;  // the whole list after its first few: keep what staff chose
    var selected = again ? state.selected : 0, copied = again ? state.copied : -1;
    state.shown = found;
    list.replaceChildren();
    state.results = results;
    state.copied = copied;
    results.forEach(function (result, i) { list.append(renderResult(result, i)); });
    var content = partial ? found.rows.length : results.filter(isContent).length;
    var close = found.rows.some(function (row) { return row.close; });
    var closeCount = found.rows.filter(function (row) { return row.close; }).length;
    var words = content === 1 ? "1 result" : content + " results";
    if (close && closeCount < content) words = closeCount + " close, " + (content - closeCount) + " weak";
    var note = found.didYouMean && content ? " (showing results for \u201c" + found.didYouMean + "\u201d)" : "";
    status.classList.toggle("kb-search__status--none", content > 0 && !close);
    if (content && !close) {
      // Nothing holds enough of what was typed: say so first, as `kbtool search` does.
      status.textContent = "No close match for \u201c" + query + "\u201d. The knowledge base has no answer for this; " +
        "the weak matches below hold little of what you typed.";
    } else {
      status.textContent = content ? words + note : "Nothing found for \u201c" + query + "\u201d." +
        (results.length ? " Pages with those words:" : " Try fewer or other words, or clear a filter.");
    }
    if (found.truncated) status.textContent += " (Only the first " + index.core.maxQuery + " characters were searched.)";
    if (partial) {
      list.setAttribute("aria-busy", "true");
      list.removeAttribute("data-kb-query");
    } else {
      list.removeAttribute("aria-busy");
      list.setAttribute("data-kb-query", query);
    }
    var first = results.filter(isContent)[0];
    showMiss(query, content === 0 || !close, !close && first ? first : null);
    list.setAttribute("data-kb-close", close ? "true" : "false");
    select(results.length ? Math.min(selected, results.length - 1) : -1, true);
  }

  function run() {
    var query = input.value;
    var seq = ++state.seq;
    state.query = query;
    if (!query.trim()) {
      list.replaceChildren();
      state.results = [];
      status.textContent = "";
      miss.hidden = true;
      list.setAttribute("data-kb-query", "");
      close();
      return Promise.resolve();
    }
    open();
    var filters = currentFilters(), progress = { whole: false, ranked: false, early: null };
    return ensureIndex().then(function () {
      return lexical(query, filters);
    }).then(function (found) {
      if (seq !== state.seq) return null;
      if (index.core.meaning) {
        // A first search fetches the meaning files (about 2 MB for a small site): on a slow line,
        // the ranking by words goes on screen meanwhile, marked busy, and the final list follows.
        progress.early = setTimeout(function () {
          var words = withRows(Object.assign({}, found, { hits: found.hits.slice(0, index.core.rowDepth) }));
          showFirst(query, seq, words, function () { return progress.ranked; });
        }, EARLY_MS);
      }
      return byMeaning(query, filters, found).then(function (ranked) {
        progress.ranked = true;
        clearTimeout(progress.early);
        return show(query, seq, ranked, progress);
      });
    }).catch(function (error) {
      if (seq !== state.seq) return;
      status.textContent = "Search is not available on this page (" + error.message + ").";
    });
  }

  function show(query, seq, found, progress) {
    if (seq !== state.seq) return null;
    var stems = found.stems.length ? found.stems : KbSearchEngine.stems(query);
    var pages = index.matchPages(stems);
    // Each hit's text lives in one of many small files; the first few fill the panel, so they
    // go on screen as soon as theirs are in, and the rest follow.
    if (found.rows.length > FIRST) showFirst(query, seq, found, function () { return progress.whole; });
    return docsFor(found.rows).then(function (hits) {
      progress.whole = true;
      if (seq !== state.seq) return;
      render(query, found, merge(hits, pages));
    });
  }
  /** The first few hits on screen, marked busy, unless the search moved on or `superseded()`. */
  function showFirst(query, seq, found, superseded) {
    docsFor(found.rows.slice(0, FIRST)).then(function (first) {
      if (seq === state.seq && !superseded()) render(query, found, first, true);
    }, function () {});
  }
  api.run = run;

  // -- choosing, copying, opening ----------------------------------------------------------------

  function select(position, quiet) {
    var items = list.children;
    if (state.selected >= 0 && items[state.selected]) {
      items[state.selected].classList.remove("kb-result--selected");
      items[state.selected].removeAttribute("aria-current");
    }
    state.selected = position;
    var item = items[position];
    if (!item) return;
    item.classList.add("kb-result--selected");
    item.setAttribute("aria-current", "true");
    // Only a choice by key scrolls to it: scrolling on every render forces a layout per key.
    if (!quiet) {
      item.scrollIntoView({ block: "nearest" });
      state.scrolled = true;
    } else if (state.scrolled) {
      panel.scrollTop = 0;
      state.scrolled = false;
    }
    if (!quiet) {
      var result = state.results[position];
      status.textContent = "Result " + (position + 1) + " of " + state.results.length + ": " +
        (isContent(result) ? result.say.slice(0, 120) : result.page.title);
    }
  }

  function say(message) {
    toast.textContent = message;
    toast.classList.add("kb-search__toast--shown");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.classList.remove("kb-search__toast--shown"); }, 4000);
  }

  function copy(position) {
    var result = state.results[position];
    if (!result || !isContent(result)) return openResult(position);
    state.copied = position;
    api.lastCopied = result.say;
    // The keyboard stays in the box, whether the copy came from Enter or from the Copy button.
    kbkit.copy(result.say, input).then(function (ok) {
      var shown = result.say.length > 90 ? result.say.slice(0, 90) + "\u2026" : result.say;
      say(ok ? "Copied: \u201c" + shown + "\u201d. Enter again opens it." :
        "Could not reach the clipboard: select the text and copy it yourself.");
    });
  }

  function openResult(position) {
    var link = list.children[position] && list.children[position].querySelector("a.kb-result__open");
    if (link) window.location.href = link.href;
  }

  input.addEventListener("input", function () { run(); });
  var escaping = false;
  input.addEventListener("focus", function () {
    ensureIndex().catch(function () {});
    if (!escaping && input.value.trim() && state.results.length) open();
  });
  input.addEventListener("keydown", function (event) {
    var count = state.results.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      open();
      var step = event.key === "ArrowDown" ? 1 : -1;
      select(Math.max(0, Math.min(count - 1, state.selected + step)));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!count || state.selected < 0) return;
      if (event.ctrlKey || event.metaKey || state.copied === state.selected) openResult(state.selected);
      else copy(state.selected);
    }
  });
  // Esc from anywhere in the search (a result's notes, a filter, the copy button): focus may
  // have left the box, and the panel must still close and hand the keyboard back to the box.
  box.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || panel.hidden) return;
    event.preventDefault();
    close();
    if (event.target !== input) {
      escaping = true;  // back in the box, but closed: its focus handler must not reopen it
      input.focus({ preventScroll: true });
      escaping = false;
    }
  });
  // "/" (or "s", the key Material's search used and the home page names) anywhere but in a text
  // field focuses the box, captured before Material's own keys.
  document.addEventListener("keydown", function (event) {
    if ((event.key !== "/" && event.key !== "s") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (kbkit.isTyping(event)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    input.focus();
    input.select();
  }, true);
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) close();
  });
  // A phone has no "/" key to press, and the hint would not fit in its header.
  if (window.matchMedia && window.matchMedia("(max-width: 44.984375em)").matches) input.placeholder = "Search what to say";
  if (input.value.trim()) run();
})();
