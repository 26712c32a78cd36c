/* Call reviews: a channel's scorecard as a form to fill in while listening to a call, and the
 * printable scorecard made tickable on screen.
 *
 * Built from the page's data (self.__kbpage, see kbtool/site/reviewpages.py). On the call-review
 * page (#kb-review) each rule gets Met / Partly / Not met / N/A and a note; on the scorecard page
 * the printed table's boxes become checkboxes, one per row ticked. Both keep a running score per
 * standard and in total (Partly counts half, N/A is left out) and read and write the same reviews:
 * several per channel, side by side, in localStorage under the page's own key, never sent
 * anywhere. The form exports a review as Markdown or JSON (download or copy) for the coaching talk.
 */
(function () {
  "use strict";

  var data = self.__kbpage;
  var formRoot = document.getElementById("kb-review");
  var table = document.querySelector("table.kb-scorecard");
  if (!data || !data.sections || !(formRoot || (data.scorecard && table))) return;

  var scores = {};
  data.results.forEach(function (r) { scores[r.id] = r.score; });
  var labels = {};
  data.results.forEach(function (r) { labels[r.id] = r.label; });

  function empty() {
    return { id: "r" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6), created: Date.now(),
             agent: "", reviewer: "", date: "", contact: "", results: {}, notes: {}, wentWell: "", tryNext: "" };
  }

  // -- the reviews kept in this browser --------------------------------------------------------------

  /* {current: id, reviews: {id: review}}. A review is saved once something is written in it, so
   * "New review" does not fill the list with empty ones. Storage may be refused (private mode,
   * file:// in some browsers): then reviews last as long as the page. */
  var memory = null;
  function readBook() {
    var book = kbkit.storage.getJSON(data.storageKey, memory);
    if (!book || typeof book !== "object" || !book.reviews || typeof book.reviews !== "object") {
      book = memory || { current: null, reviews: {} };
      var old = data.legacyKey && kbkit.storage.getJSON(data.legacyKey, null);
      if (old && typeof old === "object" && old.results && old.notes) {
        var moved = Object.assign(empty(), old);
        book.reviews[moved.id] = moved;
        book.current = moved.id;
      }
    }
    return book;
  }
  function writeBook(book) {
    memory = book;
    kbkit.storage.setJSON(data.storageKey, book);  // refused: kept in memory
  }

  var book = readBook();
  var state = book.reviews[book.current] || empty();

  function hasContent(review) {
    return !!(review.agent || review.reviewer || review.date || review.contact || review.wentWell || review.tryNext ||
              Object.keys(review.results).length || Object.keys(review.notes).some(function (k) { return review.notes[k]; }));
  }

  function save() {
    book = readBook();
    if (hasContent(state)) {
      book.reviews[state.id] = state;
      book.current = state.id;
    }
    writeBook(book);
    refreshPicker();
  }

  function reviewLabel(review) {
    var parts = [review.agent || "Untitled review"];
    if (review.date) parts.push(review.date);
    if (review.contact) parts.push(review.contact);
    if (!review.agent && !review.date) {
      parts.push("started " + new Date(review.created || Date.now()).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
    }
    return parts.join(" \u00b7 ");
  }

  function switchTo(review) {
    state = review;
    book = readBook();
    if (book.reviews[review.id]) { book.current = review.id; writeBook(book); }
    rebuild();
  }

  // -- small DOM helpers -------------------------------------------------------------------------------

  var el = kbkit.el;

  function button(id, text, action, quiet) {
    return kbkit.button({ id: id, class: "kb-review-button" + (quiet ? " kb-review-quiet" : ""), text: text }, action);
  }

  var status = el("p", { id: "kb-review-status", class: "kb-review-status", role: "status", "aria-live": "polite" });
  function announce(message) { status.textContent = message; }

  // -- scores ----------------------------------------------------------------------------------------

  function key(section, rule) { return section.id + "/" + rule.id; }

  function total(section) {
    var met = 0, of = 0;
    section.rules.forEach(function (rule) {
      var result = state.results[key(section, rule)];
      if (result && scores[result] !== null && scores[result] !== undefined) { met += scores[result]; of += 1; }
    });
    return { met: met, of: of, rules: section.rules.length,
             answered: section.rules.filter(function (rule) { return state.results[key(section, rule)]; }).length };
  }

  function overall() {
    var met = 0, of = 0, answered = 0, rules = 0;
    data.sections.forEach(function (s) { var t = total(s); met += t.met; of += t.of; answered += t.answered; rules += t.rules; });
    return { met: met, of: of, answered: answered, rules: rules };
  }

  function describe(t) {
    if (!t.of) return t.answered ? "all N/A" : "not scored yet";
    return t.met + " of " + t.of + " met (" + Math.round(100 * t.met / t.of) + "%)";
  }

  // -- exports ---------------------------------------------------------------------------------------

  function cell(text) { return String(text || "").replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " "); }

  function markdown() {
    var lines = ["# Call review: " + data.label, "",
      "- Agent: " + (state.agent || "-"), "- Reviewer: " + (state.reviewer || "-"),
      "- Date: " + (state.date || "-"), "- Contact reference: " + (state.contact || "-"), ""];
    data.sections.forEach(function (section) {
      lines.push("## " + section.title + ": " + describe(total(section)), "", "| Rule | Result | Note |", "|---|---|---|");
      section.rules.forEach(function (rule) {
        var result = state.results[key(section, rule)];
        lines.push("| " + cell(rule.title) + " | " + (result ? labels[result] : "-") + " | " + cell(state.notes[key(section, rule)]) + " |");
      });
      lines.push("");
    });
    var all = overall();
    lines.push("**Overall: " + describe({ met: all.met, of: all.of, answered: all.of }) + "**", "");
    lines.push("## One thing that went well", "", state.wentWell || "-", "", "## One thing to try next time", "", state.tryNext || "-", "");
    return lines.join("\n");
  }

  function json() {
    var all = overall();
    return JSON.stringify({
      review: "call-review", version: 1, site: data.site, channel: data.channel,
      agent: state.agent, reviewer: state.reviewer, date: state.date, contact: state.contact,
      sections: data.sections.map(function (section) {
        var t = total(section);
        return { standard: section.id, title: section.title, met: t.met, of: t.of,
                 rules: section.rules.map(function (rule) {
                   return { id: rule.id, result: state.results[key(section, rule)] || null,
                            note: state.notes[key(section, rule)] || "" };
                 }) };
      }),
      overall: { met: all.met, of: all.of }, wentWell: state.wentWell, tryNext: state.tryNext
    }, null, 2) + "\n";
  }

  function filename(ext) {
    var who = (state.agent || "agent").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "agent";
    return "call-review-" + data.channel + "-" + who + (state.date ? "-" + state.date : "") + "." + ext;
  }

  function download(text, type, ext) {
    kbkit.download(filename(ext), text, type);
    announce("Downloaded " + filename(ext) + ".");
  }

  function copy(text) {
    kbkit.copy(text).then(function (ok) {
      announce(ok ? "Copied the review as Markdown." : "Could not copy; use Download instead.");
    });
  }

  // -- parts both pages share ------------------------------------------------------------------------

  var picker = null;
  function refreshPicker() {
    if (!picker) return;
    var saved = readBook().reviews;
    var ids = Object.keys(saved).sort(function (a, b) { return (saved[b].created || 0) - (saved[a].created || 0); });
    picker.textContent = "";
    if (!saved[state.id]) picker.appendChild(el("option", { value: state.id, text: "This review (not saved until you fill something in)" }));
    ids.forEach(function (id) {
      picker.appendChild(el("option", { value: id, text: reviewLabel(saved[id]) }));
    });
    picker.value = state.id;
  }

  function reviewPicker() {
    picker = el("select", { id: "kb-review-pick" });
    picker.addEventListener("change", function () {
      var chosen = readBook().reviews[picker.value];
      if (chosen) { switchTo(chosen); announce("Showing " + reviewLabel(chosen) + "."); }
    });
    var field = el("div", { class: "kb-review-field kb-review-pick" }, [el("label", { for: "kb-review-pick", text: "Review" }), picker]);
    var fresh = button("kb-review-new", "New review", function () {
      switchTo(empty());
      announce("A new, empty review.");
      var first = document.getElementById("kb-review-agent");
      if (first) first.focus();
    });
    refreshPicker();
    return el("div", { class: "kb-review-picker" }, [field, el("div", { class: "kb-review-actions" }, [fresh])]);
  }

  function clearButton() {
    return button("kb-review-clear", "Clear this review", function () {
      if (!window.confirm("Clear this review? It cannot be undone.")) return;
      book = readBook();
      delete book.reviews[state.id];
      if (book.current === state.id) book.current = null;
      writeBook(book);
      state = empty();
      rebuild();
      announce("Cleared. Other reviews are still in the Review list.");
      var first = document.getElementById("kb-review-agent");
      if (first) first.focus();
    }, true);
  }

  function textField(id, label, name, type) {
    var input = el("input", { id: id, name: name, type: type || "text", autocomplete: "off" });
    input.value = state[name] || "";
    input.addEventListener("input", function () { state[name] = input.value; save(); refresh(); });
    return el("div", { class: "kb-review-field" }, [el("label", { for: id, text: label }), input]);
  }

  function people() {
    return el("div", { class: "kb-review-people" }, [
      textField("kb-review-agent", "Agent", "agent"), textField("kb-review-reviewer", "Reviewer", "reviewer"),
      textField("kb-review-date", "Date", "date", "date"), textField("kb-review-contact", "Contact reference", "contact")]);
  }

  function noteField(id, label, get, set) {
    var area = el("textarea", { id: id, rows: "2" });
    area.value = get() || "";
    area.addEventListener("input", function () { set(area.value); save(); });
    return el("div", { class: "kb-review-field kb-review-note" }, [el("label", { for: id, text: label }), area]);
  }

  // -- the call-review form --------------------------------------------------------------------------

  var totals = {};
  var overallNode = el("p", { id: "kb-review-overall", class: "kb-review-overall" });

  function buildForm() {
    formRoot.textContent = "";
    totals = {};
    formRoot.appendChild(reviewPicker());
    formRoot.appendChild(people());
    var number = 0;
    data.sections.forEach(function (section, s) {
      var sectionTotal = el("span", { class: "kb-review-total", id: "kb-review-total-" + s });
      totals[section.id] = sectionTotal;
      var heading = el("h2", { class: "kb-review-section-title", id: "kb-review-section-" + s }, [
        el("a", { href: section.link, text: section.title })]);
      var block = el("section", { class: "kb-review-section", "aria-labelledby": "kb-review-section-" + s }, [
        el("div", { class: "kb-review-section-head" }, [heading, sectionTotal])]);
      section.rules.forEach(function (rule, r) {
        number += 1;
        var id = "kb-review-" + s + "-" + r, k = key(section, rule);
        var legendId = id + "-legend";
        var choices = el("div", { class: "kb-review-choices" });
        data.results.forEach(function (result) {
          var input = el("input", { type: "radio", name: id, id: id + "-" + result.id, value: result.id });
          input.checked = state.results[k] === result.id;
          input.addEventListener("change", function () {
            state.results[k] = result.id; save(); refresh();
          });
          choices.appendChild(el("label", { class: "kb-review-choice kb-review-" + result.id, for: id + "-" + result.id },
                                 [input, el("span", { text: result.label })]));
        });
        var fieldset = el("fieldset", { class: "kb-review-rule", "aria-describedby": id + "-text" }, [
          el("legend", { id: legendId }, [el("span", { class: "kb-review-number", text: number + ". " }),
                                          el("a", { href: rule.link, text: rule.title })]),
          el("p", { class: "kb-review-text", id: id + "-text", text: rule.text }),
          choices,
          noteField(id + "-note", "Note on " + rule.title.toLowerCase(),
                    function () { return state.notes[k]; }, function (v) { state.notes[k] = v; })]);
        block.appendChild(fieldset);
      });
      formRoot.appendChild(block);
    });
    formRoot.appendChild(overallNode);
    formRoot.appendChild(noteField("kb-review-went-well", "One thing that went well",
                                   function () { return state.wentWell; }, function (v) { state.wentWell = v; }));
    formRoot.appendChild(noteField("kb-review-try-next", "One thing to try next time",
                                   function () { return state.tryNext; }, function (v) { state.tryNext = v; }));
    formRoot.appendChild(el("div", { class: "kb-review-actions kb-review-exports" }, [
      button("kb-review-download-md", "Download Markdown", function () { download(markdown(), "text/markdown", "md"); }),
      button("kb-review-download-json", "Download JSON", function () { download(json(), "application/json", "json"); }),
      button("kb-review-copy-md", "Copy Markdown", function () { copy(markdown()); }),
      clearButton()]));
    formRoot.appendChild(status);
  }

  // -- the tickable scorecard ------------------------------------------------------------------------

  /* The table stays what it is on paper; each box cell gets a checkbox (one per row may be ticked,
   * as on paper), a label that shows when the table reads as cards on a phone, and a printed box
   * that shows the tick when the page is printed. */
  var ticks = [];       // [{section, rule, boxes: {result id: input}, printed: {result id: span}}]
  var sectionScores = [];
  var live = null;
  var blankTotal = null; // the printed "______ of 66 met." line, shown again when nothing is ticked

  function buildScorecard() {
    var tools = document.getElementById("kb-scorecard-tools");
    if (!tools) return;
    tools.textContent = "";
    tools.appendChild(reviewPicker());
    tools.appendChild(people());
    tools.appendChild(el("div", { class: "kb-review-actions" }, [
      button("kb-scorecard-print", "Print", function () { window.print(); }), clearButton()]));
    tools.appendChild(status);
    if (ticks.length) { syncTicks(); return; }

    var rows = table.querySelectorAll("tbody tr.kb-rule-row");
    var flat = [];
    data.sections.forEach(function (section) { section.rules.forEach(function (rule) { flat.push([section, rule]); }); });
    if (rows.length !== flat.length) return; // a team template that changed the table: leave it as printed
    table.classList.add("kb-tickable");
    Array.prototype.forEach.call(rows, function (row, i) {
      var section = flat[i][0], rule = flat[i][1], k = key(section, rule);
      var entry = { section: section, rule: rule, key: k, boxes: {}, printed: {}, row: row };
      var cells = row.querySelectorAll("td.kb-box");
      data.results.forEach(function (result, j) {
        var box = cells[j];
        if (!box) return;
        var input = el("input", { type: "checkbox", id: "kb-sc-" + i + "-" + result.id, "aria-label": result.label + ": " + rule.title });
        var printed = el("span", { class: "kb-tick-printed", "aria-hidden": "true", text: "\u2610" });
        input.addEventListener("change", function () {
          if (input.checked) state.results[k] = result.id;
          else delete state.results[k];
          save();
          syncRow(entry);
          refresh();
          announce(result.label + (input.checked ? " ticked" : " unticked") + " for " + rule.title + ". " + liveText());
        });
        box.textContent = "";
        box.appendChild(el("label", { class: "kb-tick", for: input.id }, [
          input, printed, el("span", { class: "kb-tick-label", "aria-hidden": "true", text: result.label })]));
        entry.boxes[result.id] = input;
        entry.printed[result.id] = printed;
      });
      ticks.push(entry);
    });
    sectionScores = Array.prototype.map.call(table.querySelectorAll("tr.kb-group-row .kb-section-score"), function (n) { return n; });
    live = el("div", { class: "kb-scorecard-live", id: "kb-scorecard-live" });
    var wrap = table.closest(".kb-table-wrap") || table;
    wrap.parentNode.insertBefore(live, wrap.nextSibling);
    syncTicks();
  }

  function syncRow(entry) {
    var chosen = state.results[entry.key];
    Object.keys(entry.boxes).forEach(function (id) {
      entry.boxes[id].checked = chosen === id;
      entry.printed[id].textContent = chosen === id ? "\u2611" : "\u2610";
    });
    entry.row.classList.toggle("kb-ticked", !!chosen);
  }

  function syncTicks() { ticks.forEach(syncRow); }

  function liveText() {
    var all = overall();
    return "Overall: " + describe({ met: all.met, of: all.of, answered: all.answered }) + ", " +
      all.answered + " of " + all.rules + " rules ticked.";
  }

  function fill(selector, value, blank) {
    var node = document.querySelector(selector);
    if (node) node.textContent = value || blank;
  }

  function refreshScorecard() {
    data.sections.forEach(function (section, s) {
      var node = sectionScores[s];
      if (!node) return;
      var t = total(section);
      node.textContent = t.answered ? "\u2014 " + describe(t) : "";
    });
    var all = overall();
    var printedTotal = document.querySelector(".kb-overall-score");
    if (printedTotal) {
      if (blankTotal === null) blankTotal = printedTotal.textContent;
      printedTotal.textContent = all.answered ? describe({ met: all.met, of: all.of, answered: all.answered }) + "." : blankTotal;
    }
    // The printed head carries the reviewer's entries; blank lines when there are none, as on paper.
    fill(".kb-fill-agent", state.agent, "____________________");
    fill(".kb-fill-reviewer", state.reviewer, "____________________");
    fill(".kb-fill-date", state.date, "____________");
    fill(".kb-fill-contact", state.contact, "____________");
    if (live) {
      live.textContent = "";
      live.appendChild(el("strong", { text: "Overall: " + describe({ met: all.met, of: all.of, answered: all.answered }) }));
      live.appendChild(document.createTextNode(" \u00b7 " + all.answered + " of " + all.rules + " rules ticked"));
    }
  }

  // -- both --------------------------------------------------------------------------------------------

  function refresh() {
    if (formRoot) {
      data.sections.forEach(function (section) { if (totals[section.id]) totals[section.id].textContent = describe(total(section)); });
      var all = overall();
      overallNode.textContent = "Overall: " + describe({ met: all.met, of: all.of, answered: all.of });
    }
    if (data.scorecard) refreshScorecard();
  }

  function rebuild() {
    if (formRoot) buildForm(); else buildScorecard();
    refreshPicker();
    refresh();
  }

  // The same review open in another tab (the form beside the scorecard) shows its changes here.
  window.addEventListener("storage", function (event) {
    if (event.key !== data.storageKey) return;
    var fresh = readBook().reviews[state.id];
    if (!fresh) return;
    var active = document.activeElement && document.activeElement.id;
    state = fresh;
    rebuild();
    if (active && document.getElementById(active)) document.getElementById(active).focus();
  });

  self.KbReview = { markdown: markdown, json: json };
  rebuild();
})();
