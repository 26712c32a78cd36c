/* The call-review form: a channel's scorecard as a form to fill in while listening to a call.
 *
 * Built from the page's data (self.__kbpage, see kbtool/site/reviewpages.py) into #kb-review.
 * Each rule gets Met / Partly / Not met / N/A and a note; each standard a running total (Partly
 * counts half, N/A is left out). The review is kept in localStorage under the page's own key,
 * never sent anywhere, and exported as Markdown or JSON (download or copy) for the coaching talk.
 */
(function () {
  "use strict";

  var data = self.__kbpage, root = document.getElementById("kb-review");
  if (!data || !data.sections || !root) return;

  var scores = {};
  data.results.forEach(function (r) { scores[r.id] = r.score; });
  var labels = {};
  data.results.forEach(function (r) { labels[r.id] = r.label; });

  function empty() { return { agent: "", reviewer: "", date: "", contact: "", results: {}, notes: {}, wentWell: "", tryNext: "" }; }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(data.storageKey) || "null");
      if (saved && typeof saved === "object" && saved.results && saved.notes) return Object.assign(empty(), saved);
    } catch (e) { /* storage switched off or a damaged copy: start afresh */ }
    return empty();
  }

  var state = load();

  function save() {
    try { localStorage.setItem(data.storageKey, JSON.stringify(state)); } catch (e) { /* private mode: the form still works */ }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

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
    var met = 0, of = 0;
    data.sections.forEach(function (s) { var t = total(s); met += t.met; of += t.of; });
    return { met: met, of: of };
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
    // A Blob URL is the page's own: nothing leaves the browser, and it works from file:// too.
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = el("a", { href: url, download: filename(ext) });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    announce("Downloaded " + filename(ext) + ".");
  }

  function copy(text) {
    function fallback() {
      var area = el("textarea", { class: "kb-review-offscreen", "aria-hidden": "true" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      announce(ok ? "Copied the review as Markdown." : "Could not copy; use Download instead.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { announce("Copied the review as Markdown."); }, fallback);
    } else {
      fallback();
    }
  }

  // -- the form --------------------------------------------------------------------------------------

  var status = el("p", { id: "kb-review-status", class: "kb-review-status", role: "status", "aria-live": "polite" });
  function announce(message) { status.textContent = message; }

  var totals = {};
  var overallNode = el("p", { id: "kb-review-overall", class: "kb-review-overall" });

  function refresh() {
    data.sections.forEach(function (section) { totals[section.id].textContent = describe(total(section)); });
    var all = overall();
    overallNode.textContent = "Overall: " + describe({ met: all.met, of: all.of, answered: all.of });
  }

  function textField(id, label, name, type) {
    var input = el("input", { id: id, name: name, type: type || "text", autocomplete: "off" });
    input.value = state[name] || "";
    input.addEventListener("input", function () { state[name] = input.value; save(); });
    return el("div", { class: "kb-review-field" }, [el("label", { for: id, text: label }), input]);
  }

  function noteField(id, label, get, set) {
    var area = el("textarea", { id: id, rows: "2" });
    area.value = get() || "";
    area.addEventListener("input", function () { set(area.value); save(); });
    return el("div", { class: "kb-review-field kb-review-note" }, [el("label", { for: id, text: label }), area]);
  }

  function build() {
    root.textContent = "";
    root.appendChild(el("div", { class: "kb-review-people" }, [
      textField("kb-review-agent", "Agent", "agent"), textField("kb-review-reviewer", "Reviewer", "reviewer"),
      textField("kb-review-date", "Date", "date", "date"), textField("kb-review-contact", "Contact reference", "contact")]));
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
      root.appendChild(block);
    });
    root.appendChild(overallNode);
    root.appendChild(noteField("kb-review-went-well", "One thing that went well",
                               function () { return state.wentWell; }, function (v) { state.wentWell = v; }));
    root.appendChild(noteField("kb-review-try-next", "One thing to try next time",
                               function () { return state.tryNext; }, function (v) { state.tryNext = v; }));
    function button(id, text, action, quiet) {
      var b = el("button", { type: "button", id: id, class: "kb-review-button" + (quiet ? " kb-review-quiet" : ""), text: text });
      b.addEventListener("click", action);
      return b;
    }
    root.appendChild(el("div", { class: "kb-review-actions kb-review-exports" }, [
      button("kb-review-download-md", "Download Markdown", function () { download(markdown(), "text/markdown", "md"); }),
      button("kb-review-download-json", "Download JSON", function () { download(json(), "application/json", "json"); }),
      button("kb-review-copy-md", "Copy Markdown", function () { copy(markdown()); }),
      button("kb-review-clear", "Clear the form", function () {
        if (!window.confirm("Clear this review? It cannot be undone.")) return;
        state = empty();
        save();
        build();
        announce("Cleared.");
        document.getElementById("kb-review-agent").focus();
      }, true)]));
    root.appendChild(status);
    refresh();
  }

  self.KbReview = { markdown: markdown, json: json };
  build();
})();
