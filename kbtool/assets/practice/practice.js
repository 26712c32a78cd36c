/* kbtool practice drills: builds the drills of a practice page from its data script
 * (self.__kbpage, written by kbtool/site/practice.py) and keeps the reader's progress in
 * localStorage. The generated page HTML passes an allowlist sanitiser, so everything
 * interactive is made here (with kbkit, toolkit/kbkit.js); every text from the content goes in
 * as text, never as HTML.
 *
 * Questions come back on a schedule (spaced repetition, Leitner boxes): a right answer moves a
 * question up a box and away for longer (a day, then 3, 7, 16, 35 days), a wrong one sends it
 * back to the first box, due at once, and within a drill it comes back a few questions later,
 * in other words when customers say it more than one way. Channel pages add a short
 * "Ready for the phones?" check across every situation, scored per situation. The practice home
 * shows progress per page, the last checks, and exports progress for a mentor.
 */
(function () {
  "use strict";

  var data = self.__kbpage;
  if (!data || !data.storage) return;
  var el = kbkit.el, button = kbkit.button;

  var DAY = 24 * 60 * 60 * 1000;
  var INTERVALS = [0, 1, 3, 7, 16, 35]; // days a question rests in each box after a right answer
  var SESSION = 10;                     // questions in a "Practise now" round
  var AGAIN_AFTER = 3;                  // a missed question comes back this many questions later
  var AGAIN_MAX = 2;                    // at most this many times in one round
  var READY_PER_SITUATION = 2;
  var READY_MAX = 24;
  var READY_PASS = 0.8;
  var READY_KEEP = 20;                  // checks kept per browser
  // The channel a reader chose in the search box ("I'm on"), read only: the check offers it first.
  var PREFER_KEY = "kbsearch.prefer";

  function now() { return Date.now(); }

  /* Progress: {"<entry id>/<question id>": {r: 1 right | 0 wrong, n: attempts, b: box, d: due (ms),
   * t: last answered (ms)}} under one key; the "Ready" checks under the same key + ":ready".
   * Records from before the schedule ({r, n}) read as due now. file:// pages may refuse
   * localStorage (Firefox, locked-down desks): then progress lasts until the page closes, and the
   * page says so. */
  function openStore(key) {
    var memory = {};
    var kept = kbkit.storage.works();
    function read(k, fallback) {
      if (!kept) return memory[k] || fallback;
      var value = kbkit.storage.getJSON(k, null);
      return value && typeof value === "object" ? value : fallback;
    }
    function write(k, value) {
      memory[k] = value;
      if (kept && !kbkit.storage.setJSON(k, value)) kept = false; // full or revoked: keep going in memory
    }
    function load() {
      var value = read(key, {});
      return Array.isArray(value) ? {} : value;
    }
    return {
      persistent: function () { return kept; },
      all: load,
      save: function (all) { write(key, all); },
      record: function (k, right) {
        var all = load();
        var old = all[k] || { n: 0, b: 0 };
        var box = right ? Math.min((old.b || 0) + 1, INTERVALS.length - 1) : 0;
        all[k] = { r: right ? 1 : 0, n: (old.n || 0) + 1, b: box, d: now() + INTERVALS[box] * DAY, t: now() };
        write(key, all);
      },
      forget: function (keys) {
        var all = load();
        keys.forEach(function (k) { delete all[k]; });
        write(key, all);
      },
      checks: function () {
        var list = read(key + ":ready", []);
        return Array.isArray(list) ? list : [];
      },
      addCheck: function (result) {
        var list = this.checks().concat([result]);
        write(key + ":ready", list.slice(-READY_KEEP));
      },
      saveChecks: function (list) { write(key + ":ready", list.slice(-READY_KEEP)); }
    };
  }

  var store = openStore(data.storage);


  /* Content text with its blanks ("\ue000order number\ue001" in the data) shown as on the pages. */
  function rich(tag, className, text, before, after) {
    var node = el(tag, { class: className });
    var parts = String(text).split(/\ue000|\ue001/);
    if (before) node.appendChild(document.createTextNode(before));
    parts.forEach(function (part, i) {
      if (i % 2) {
        node.appendChild(el("mark", { class: "kb-blank", text: "[" + part + "]" }));
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
    if (after) node.appendChild(document.createTextNode(after));
    return node;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function isDue(rec, at) { return !!rec && (rec.d === undefined || rec.d <= at); }

  function tally(keys) {
    var all = store.all();
    var at = now();
    var right = 0, wrong = 0, due = 0;
    keys.forEach(function (k) {
      var rec = all[k];
      if (!rec) return;
      if (rec.r) right += 1; else wrong += 1;
      if (isDue(rec, at)) due += 1;
    });
    return { total: keys.length, right: right, wrong: wrong, untried: keys.length - right - wrong, due: due };
  }

  function tallyText(t) {
    if (!t.right && !t.wrong) return plural(t.total, "question") + " \u00b7 not tried yet";
    var parts = [plural(t.total, "question"), t.right + " right"];
    if (t.wrong) parts.push(t.wrong + " to practise again");
    if (t.untried) parts.push(t.untried + " not tried");
    if (t.due) parts.push(t.due + " due for review");
    return parts.join(" \u00b7 ");
  }

  function meter(t) {
    var bar = el("div", { class: "kbp-meter" });
    bar.setAttribute("role", "img");
    bar.setAttribute("aria-label", t.right + " right, " + t.wrong + " wrong, " + t.untried + " not tried");
    [["kbp-meter-right", t.right], ["kbp-meter-wrong", t.wrong]].forEach(function (part) {
      if (!part[1]) return;
      var span = el("span", { class: part[0] });
      span.style.width = (100 * part[1] / t.total) + "%";
      bar.appendChild(span);
    });
    return bar;
  }

  function notice(parent) {
    if (store.persistent()) return;
    parent.appendChild(el("p", { class: "kbp-notice", text:
      "This browser is not keeping your progress for pages opened from a folder; it lasts until you close the page." }));
  }

  function percent(right, total) { return total ? Math.round(100 * right / total) : 0; }

  function when(ms) {
    try {
      return new Date(ms).toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" });
    } catch (e) {
      return new Date(ms).toDateString();
    }
  }

  /* -- the practice home: progress per page, the checks, export ---------------------------------- */
  if (data.home === true) {
    var byUrl = {};
    (data.pages || []).forEach(function (p) { byUrl[p.url] = p; });
    Array.prototype.forEach.call(document.querySelectorAll(".kb-practice-pages a"), function (a) {
      var page = byUrl[a.getAttribute("href")];
      if (!page) return;
      var t = tally(page.questions);
      if (!t.right && !t.wrong) return;
      var parts = [];
      if (t.right) parts.push(t.right + " right");
      if (t.wrong) parts.push(t.wrong + " to practise again");
      if (t.due) parts.push(t.due + " due");
      a.parentNode.appendChild(el("span", { class: "kbp-page-progress" + (t.wrong ? " kbp-has-wrong" : ""), text: parts.join(", ") }));
    });
    homeReady();
    homeProgress();
    var intro = document.querySelector(".kb-practice-intro");
    if (intro) notice(intro);
    return;
  }

  function homeReady() {
    var list = document.querySelector(".kb-practice-ready");
    if (!list) return;
    var preferred = kbkit.storage.get(PREFER_KEY, "");
    var checks = store.checks();
    (data.ready || []).forEach(function (r) {
      var link = list.querySelector('a[href="' + r.url + '"]');
      if (!link) return;
      var item = link.parentNode;
      if (r.channel === preferred) {
        item.classList.add("kbp-your-channel");
        item.appendChild(el("span", { class: "kb-kind", text: "your channel" }));
        list.insertBefore(item, list.firstChild);
      }
      var last = checks.filter(function (c) { return c.channel === r.channel; }).pop();
      if (last) {
        item.appendChild(el("span", { class: "kbp-page-progress" + (last.ready ? "" : " kbp-has-wrong"), text:
          "Last check " + when(last.at) + ": " + last.right + " of " + last.total + " (" + percent(last.right, last.total) + "%)" +
          (last.ready ? ", ready" : ", not yet") }));
      }
    });
  }

  function progressReport() {
    var all = store.all();
    var pages = (data.pages || []).map(function (p) {
      var t = tally(p.questions);
      return { title: p.title, questions: t.total, right: t.right, wrong: t.wrong, untried: t.untried, due: t.due };
    });
    return {
      kind: "kbtool-practice-progress", version: 1, site: data.site || "", exported: new Date().toISOString(),
      pages: pages, checks: store.checks(), answers: all
    };
  }

  function summaryText(report) {
    var lines = ["Practice progress: " + (report.site || "knowledge base") + ", " + when(Date.parse(report.exported)), ""];
    if (report.checks.length) {
      lines.push("Ready checks:");
      report.checks.slice().reverse().forEach(function (c) {
        var weak = Object.keys(c.situations || {}).filter(function (s) {
          return c.situations[s].right < c.situations[s].total;
        }).map(function (s) { return c.situations[s].label + " (" + c.situations[s].right + " of " + c.situations[s].total + ")"; });
        lines.push("- " + c.label + ", " + when(c.at) + ": " + c.right + " of " + c.total + " (" + percent(c.right, c.total) + "%), " +
          (c.ready ? "ready" : "not yet") + (weak.length ? "; to practise: " + weak.join(", ") : ""));
      });
      lines.push("");
    }
    lines.push("By page:");
    report.pages.forEach(function (p) {
      if (!p.right && !p.wrong) return;
      lines.push("- " + p.title + ": " + p.right + " right, " + p.wrong + " to practise again, " + p.untried + " not tried of " + p.questions);
    });
    if (!report.pages.some(function (p) { return p.right || p.wrong; })) lines.push("- nothing practised yet");
    return lines.join("\n") + "\n";
  }

  function homeProgress() {
    var root = document.getElementById("kb-practice-progress");
    if (!root) return;
    root.textContent = "";
    var status = el("p", { class: "kbp-status" });
    status.setAttribute("role", "status");
    var report = progressReport();
    var answered = Object.keys(report.answers).length;
    root.appendChild(el("p", { text: answered
      ? "You have answered " + plural(answered, "question") + " here" + (report.checks.length ? " and taken " + plural(report.checks.length, "ready check") : "") +
        ". To show a mentor, download your progress or copy a summary to paste in a message."
      : "Nothing answered yet in this browser. Once you have practised, you can download your progress or copy a summary for your mentor." }));
    var actions = el("div", { class: "kbp-actions" });
    var stamp = new Date().toISOString().slice(0, 10);
    actions.appendChild(button({ class: "md-button kbp-export", text: "Download my progress" }, function () {
      kbkit.download("practice-progress-" + stamp + ".json", JSON.stringify(progressReport(), null, 2) + "\n", "application/json");
      status.textContent = "Downloaded practice-progress-" + stamp + ".json.";
    }));
    actions.appendChild(button({ class: "md-button kbp-copy-summary", text: "Copy a summary for my mentor" }, function () {
      kbkit.copy(summaryText(progressReport())).then(function (ok) {
        status.textContent = ok ? "Copied. Paste it into a message to your mentor." : "Could not copy here; use Download instead.";
      });
    }));
    // Moving desks: progress downloaded on one computer is loaded on another, kept answer by answer.
    var file = el("input", { class: "kbp-offscreen" });
    file.type = "file";
    file.accept = ".json,application/json";
    file.id = "kbp-load-file";
    file.setAttribute("aria-label", "Load progress from a file");
    file.tabIndex = -1;
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      var reader = new FileReader();
      reader.onload = function () {
        try {
          var loaded = JSON.parse(String(reader.result));
          if (!loaded || loaded.kind !== "kbtool-practice-progress" || typeof loaded.answers !== "object") throw new Error("not progress");
          var mine = store.all(), added = 0;
          Object.keys(loaded.answers).forEach(function (k) {
            var theirs = loaded.answers[k];
            if (!theirs || typeof theirs !== "object" || typeof theirs.n !== "number") return;
            if (!mine[k] || (theirs.t || 0) > (mine[k].t || 0)) { mine[k] = theirs; added += 1; }
          });
          store.save(mine);
          var seen = {};
          var checks = store.checks().concat(Array.isArray(loaded.checks) ? loaded.checks : []).filter(function (c) {
            var id = c && c.channel + "@" + c.at;
            if (!c || seen[id]) return false;
            seen[id] = true;
            return true;
          }).sort(function (a, b) { return a.at - b.at; });
          store.saveChecks(checks);
          homeProgress();
          document.getElementById("kb-practice-progress").querySelector(".kbp-status").textContent =
            "Loaded " + plural(added, "answer") + " from " + chosen.name + ".";
        } catch (e) {
          status.textContent = "That file is not practice progress downloaded from these pages.";
        }
      };
      reader.readAsText(chosen);
    });
    actions.appendChild(button({ class: "kbp-link kbp-load", text: "Load progress from a file" }, function () { file.click(); }));
    root.appendChild(actions);
    root.appendChild(file);
    root.appendChild(status);
  }

  /* -- a drill page ------------------------------------------------------------------------------ */
  var root = document.getElementById("kb-practice");
  if (!root || !Array.isArray(data.drills)) return;

  var drills = data.drills.filter(function (d) { return d.questions && d.questions.length; });
  drills.forEach(function (d) {
    d.questions.forEach(function (q) { q.key = d.id + "/" + q.id; q.drill = d; });
  });
  function questionsOf(list) {
    var out = [];
    list.forEach(function (d) { out = out.concat(d.questions); });
    return out;
  }
  function keysOf(list) { return questionsOf(list).map(function (q) { return q.key; }); }
  function wrongOf(list) {
    var all = store.all();
    return questionsOf(list).filter(function (q) { return all[q.key] && !all[q.key].r; });
  }
  /* Due ones first (wrong before right, longest waiting first), then new ones, then the rest by
   * when they fall due: a drill started from its card always has every question, best first. */
  function scheduled(questions) {
    var all = store.all(), at = now();
    function rank(q) {
      var rec = all[q.key];
      if (isDue(rec, at)) return [0, rec.r ? 1 : 0, rec.d || 0];
      if (!rec) return [1, 0, 0];
      return [2, 0, rec.d];
    }
    return questions.map(function (q, i) { return { q: q, r: rank(q), i: i }; }).sort(function (a, b) {
      for (var k = 0; k < 3; k++) if (a.r[k] !== b.r[k]) return a.r[k] - b.r[k];
      return a.i - b.i;
    }).map(function (x) { return x.q; });
  }
  function dueOrNew(questions) {
    var all = store.all(), at = now();
    return scheduled(questions).filter(function (q) { return !all[q.key] || isDue(all[q.key], at); });
  }
  function nextDue(questions) {
    var all = store.all(), soonest = null;
    questions.forEach(function (q) {
      var rec = all[q.key];
      if (rec && rec.d && (soonest === null || rec.d < soonest)) soonest = rec.d;
    });
    return soonest;
  }

  var session = null;
  var bar, ready, player, list;

  function render() {
    root.textContent = "";
    root.classList.add("kbp-ready");
    bar = el("div", { class: "kbp-bar" });
    ready = data.ready ? el("section", { class: "kbp-ready-card" }) : null;
    player = el("section", { class: "kbp-player" });
    player.setAttribute("aria-label", "Drill");
    player.hidden = true;
    list = el("ul", { class: "kbp-drills" });
    if (ready) {
      ready.id = "ready";
      ready.setAttribute("aria-labelledby", "kbp-ready-title");
      root.appendChild(ready);
    }
    root.appendChild(bar);
    root.appendChild(player);
    root.appendChild(list);
    notice(root);
    renderAll();
  }

  function renderAll() {
    renderBar();
    renderReady();
    renderList();
  }

  function renderBar() {
    bar.textContent = "";
    var all = questionsOf(drills);
    var t = tally(keysOf(drills));
    bar.appendChild(el("p", { class: "kbp-summary", text: "On this page: " + tallyText(t) }));
    var actions = el("div", { class: "kbp-actions" });
    var todo = dueOrNew(all);
    var round = button({ class: "md-button md-button--primary kbp-practise-now",
                         text: todo.length ? "Practise now (" + Math.min(todo.length, SESSION) + ")" : "Nothing due today" },
      function () {
        start("Practice round: " + (data.title || "this page"), dueOrNew(all).slice(0, SESSION));
      });
    round.disabled = !todo.length;
    actions.appendChild(round);
    var wrong = wrongOf(drills);
    var again = button({ class: "md-button kbp-practise-wrong",
                         text: "Practise what I got wrong" + (wrong.length ? " (" + wrong.length + ")" : "") },
      function () { start("What you got wrong", wrongOf(drills)); });
    again.disabled = !wrong.length;
    actions.appendChild(again);
    actions.appendChild(button({ class: "md-button kbp-practise-all", text: "Practise everything" }, function () {
      start(data.title ? "Everything: " + data.title : "Everything", scheduled(all));
    }));
    if (t.right || t.wrong) {
      actions.appendChild(button({ class: "kbp-link kbp-reset", text: "Clear my answers" }, function () {
        if (window.confirm("Clear your answers for the drills on this page?")) {
          store.forget(keysOf(drills));
          renderAll();
        }
      }));
    }
    bar.appendChild(actions);
    if (!todo.length) {
      var soonest = nextDue(all);
      if (soonest) bar.appendChild(el("p", { class: "kbp-next-due", text: "Everything here is learnt for now. The next question comes back on " + when(soonest) + "." }));
    }
  }

  function renderList() {
    list.textContent = "";
    drills.forEach(function (d) {
      var item = el("li", { class: "kbp-drill" });
      if (!document.getElementById(d.anchor)) item.id = d.anchor;
      var head = el("div", { class: "kbp-drill-head" });
      head.appendChild(el("h2", { class: "kbp-drill-title", text: d.title }));
      head.appendChild(el("span", { class: "kb-kind", text: d.label }));
      item.appendChild(head);
      if (d.summary) item.appendChild(rich("p", "kbp-drill-summary", d.summary));
      var keys = d.questions.map(function (q) { return q.key; });
      var t = tally(keys);
      item.appendChild(meter(t));
      item.appendChild(el("p", { class: "kbp-drill-score", text: tallyText(t) }));
      var actions = el("div", { class: "kbp-actions" });
      var label = t.right || t.wrong ? "Practise again" : "Start";
      var startButton = button({ class: "md-button md-button--primary kbp-start", text: label },
        function () { start(d.title, scheduled(d.questions), d.anchor); });
      startButton.setAttribute("aria-label", label + ": " + d.title);
      actions.appendChild(startButton);
      if (t.wrong) {
        var fix = button({ class: "md-button kbp-drill-wrong", text: "What I got wrong (" + t.wrong + ")" },
          function () { start(d.title + ": what you got wrong", wrongOf([d]), d.anchor); });
        actions.appendChild(fix);
      }
      var read = el("a", { class: "kbp-read", text: "Read the " + (d.style === "flow" ? "script" : "phrase set") });
      read.href = d.url;
      actions.appendChild(read);
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  /* -- the "Ready for the phones?" check (channel pages) -------------------------------------------- */

  function situations() {
    var order = [], by = {};
    drills.forEach(function (d) {
      var s = d.situation || "";
      if (!by[s]) { by[s] = { id: s, label: d.situationLabel || "Other", questions: [] }; order.push(s); }
      by[s].questions = by[s].questions.concat(d.questions);
    });
    return order.map(function (s) { return by[s]; });
  }

  function shuffled(items) {
    var out = items.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var tmp = out[i]; out[i] = out[j]; out[j] = tmp;
    }
    return out;
  }

  /* Up to two questions a situation, those that quote the customer first (recognising the moment
   * from the customer's words is the skill the phones need), the first of each situation before
   * any second, and mixed so neighbours do not give each other away. */
  function readyQuestions() {
    var groups = situations().map(function (s) {
      var quoted = shuffled(s.questions.filter(function (q) { return q.customer; }));
      var other = shuffled(s.questions.filter(function (q) { return !q.customer; }));
      return quoted.concat(other).slice(0, READY_PER_SITUATION);
    });
    var picked = [];
    for (var round = 0; round < READY_PER_SITUATION; round++) {
      groups.forEach(function (g) { if (g[round] && picked.length < READY_MAX) picked.push(g[round]); });
    }
    return shuffled(picked);
  }

  function readySize() {
    var n = 0, groups = situations();
    for (var round = 0; round < READY_PER_SITUATION; round++) {
      groups.forEach(function (g) { if (g.questions.length > round && n < READY_MAX) n += 1; });
    }
    return n;
  }

  function renderReady() {
    if (!ready) return;
    ready.textContent = "";
    var h = el("h2", { class: "kbp-ready-title", text: data.ready.title });
    h.id = "kbp-ready-title";
    ready.appendChild(h);
    var groups = situations();
    ready.appendChild(el("p", { text: "A short check before your first " + data.ready.noun + ": " + plural(readySize(), "question") +
      " across the " + plural(groups.length, "situation") + " you will meet on " + data.ready.on +
      ", most of them starting from what a customer says. You get a score for each situation, and your answers count towards your practice." }));
    var last = store.checks().filter(function (c) { return c.channel === data.ready.channel; }).pop();
    if (last) {
      ready.appendChild(el("p", { class: "kbp-ready-last", text: "Last check, " + when(last.at) + ": " + last.right + " of " + last.total +
        " (" + percent(last.right, last.total) + "%), " + (last.ready ? "ready." : "not yet.") }));
    }
    var actions = el("div", { class: "kbp-actions" });
    var go = button({ class: "md-button md-button--primary kbp-ready-start", text: last ? "Take the check again" : "Start the check" }, startReady);
    actions.appendChild(go);
    ready.appendChild(actions);
  }

  function startReady() {
    var questions = readyQuestions();
    if (!questions.length) return;
    start(data.ready.title, questions, "ready", "ready");
  }

  /* -- a round of questions ------------------------------------------------------------------------- */

  function start(title, questions, from, mode) {
    if (!questions.length) return;
    session = { title: title, questions: questions.slice(), index: 0, right: 0, missed: [], from: from,
                mode: mode || "drill", asked: {}, again: {}, results: [] };
    player.hidden = false;
    showQuestion();
    player.scrollIntoView({ block: "start" });
  }

  function stop() {
    var from = session && session.from;
    session = null;
    player.hidden = true;
    player.textContent = "";
    renderAll();
    // Back where the reader started, so keyboard users do not land at the top of the page.
    var card = from && document.getElementById(from);
    var target = (card && card.querySelector(".kbp-start, .kbp-ready-start")) || bar.querySelector("button:not(:disabled)");
    if (target) target.focus();
  }

  function playerHead(subtitle) {
    var head = el("div", { class: "kbp-player-head" });
    var h = el("h2", { class: "kbp-player-title", text: session.title });
    h.id = "kbp-player-title";
    h.tabIndex = -1;
    head.appendChild(h);
    if (subtitle) head.appendChild(el("span", { class: "kbp-count", text: subtitle }));
    head.appendChild(button({ class: "kbp-link kbp-stop", text: "Stop" }, stop));
    player.appendChild(head);
    player.setAttribute("aria-labelledby", "kbp-player-title");
    return h;
  }

  function quote(className, who, text) {
    var box = el("div", { class: "kbp-quote " + className });
    box.appendChild(el("span", { class: "kbp-who", text: who }));
    box.appendChild(rich("p", "kbp-quote-text", text, "\u201c", "\u201d"));
    return box;
  }

  /* A question asked again (a later day, or later in this round) quotes the customer in the next
   * of the ways the content says they put it, so the answer is learnt, not the sentence. */
  function customerWords(q) {
    var ways = [q.customer].concat(q.heard || []).filter(Boolean);
    if (!ways.length) return "";
    var rec = store.all()[q.key];
    return ways[(rec ? rec.n || 0 : 0) % ways.length];
  }

  function showQuestion() {
    var q = session.questions[session.index];
    var total = session.questions.length;
    player.textContent = "";
    var heading = playerHead("Question " + (session.index + 1) + " of " + total);
    var progress = el("div", { class: "kbp-progress" });
    progress.setAttribute("aria-hidden", "true"); // "Question n of m" says it in words
    var fill = el("span");
    fill.style.width = (100 * session.index / total) + "%";
    progress.appendChild(fill);
    player.appendChild(progress);

    var scene = el("div", { class: "kbp-scene" });
    if (session.again[q.key] && session.asked[q.key]) {
      scene.appendChild(el("p", { class: "kbp-again", text: "Back again: you missed this one a moment ago." }));
    }
    // In the check the situation is part of the question: it shows with the answer.
    if (session.mode !== "ready" && session.title.indexOf(q.drill.title) !== 0) scene.appendChild(el("p", { class: "kbp-from", text: q.drill.title }));
    if (q.said) scene.appendChild(quote("kbp-said", "You said", q.said));
    if (q.scene) {
      var moment = el("p", { class: "kbp-moment" });
      moment.appendChild(el("strong", { text: q.said ? "Then: " : "The moment: " }));
      moment.appendChild(document.createTextNode(q.scene));
      scene.appendChild(moment);
    }
    var words = customerWords(q);
    if (words) scene.appendChild(quote("kbp-customer", "The customer says", words));
    player.appendChild(scene);

    var prompt = el("p", { class: "kbp-prompt", text: q.prompt });
    prompt.id = "kbp-prompt";
    player.appendChild(prompt);
    var choices = el("ol", { class: "kbp-choices" });
    choices.setAttribute("aria-labelledby", "kbp-prompt");
    var feedback = el("div", { class: "kbp-feedback" });
    feedback.setAttribute("role", "status");
    var next = el("div", { class: "kbp-next" });
    q.choices.forEach(function (choice, i) {
      var li = el("li");
      var b = button({ class: "kbp-choice", text: "" }, function () { answer(q, choice, choices, feedback, next); });
      b.appendChild(el("span", { class: "kbp-key", text: String(i + 1) }));
      b.appendChild(rich("span", "kbp-choice-text", choice.text));
      b.__choice = choice;
      li.appendChild(b);
      choices.appendChild(li);
    });
    player.appendChild(choices);
    player.appendChild(feedback);
    player.appendChild(next);
    heading.focus({ preventScroll: true });
    // After a long answer the page sits low: the next question starts at its top.
    if (player.getBoundingClientRect().top < 0) player.scrollIntoView({ block: "start" });
  }

  function answer(q, choice, choices, feedback, next) {
    if (choices.classList.contains("kbp-answered")) return;
    choices.classList.add("kbp-answered");
    var right = !!choice.correct;
    var first = !session.asked[q.key];
    session.asked[q.key] = true;
    store.record(q.key, right);
    if (first) {
      if (right) session.right += 1; else session.missed.push(q);
      session.results.push({ q: q, right: right });
    }
    var correct = null;
    Array.prototype.forEach.call(choices.querySelectorAll(".kbp-choice"), function (b) {
      var c = b.__choice;
      b.disabled = true;
      if (c.correct) {
        correct = c;
        b.classList.add("kbp-is-right");
        b.appendChild(el("span", { class: "kbp-tag", text: "Right answer" }));
      } else if (c === choice) {
        b.classList.add("kbp-is-wrong");
        b.appendChild(el("span", { class: "kbp-tag", text: "Your answer" }));
      }
    });
    feedback.textContent = "";
    feedback.classList.add(right ? "kbp-feedback-right" : "kbp-feedback-wrong");
    feedback.appendChild(el("p", { class: "kbp-verdict", text: right ? "\u2713 Right." : "\u2717 Not this one." }));
    feedback.appendChild(rich("p", "kbp-explain", choice.explain));
    if (!right && choice.url) {
      var there = el("a", { class: "kbp-read kbp-read-other", text: "Where that line belongs" });
      there.href = choice.url;
      feedback.appendChild(el("p")).appendChild(there);
    }
    if (!right && correct) {
      var better = el("p", { class: "kbp-better" });
      better.appendChild(el("strong", { text: "Use instead: " }));
      better.appendChild(rich("span", null, correct.text, "\u201c", "\u201d"));
      feedback.appendChild(better);
      if (correct.explain !== choice.explain) feedback.appendChild(rich("p", "kbp-explain", correct.explain));
    }
    if (session.mode === "ready") {
      feedback.appendChild(el("p", { class: "kbp-from-after", text: "Situation: " + (q.drill.situationLabel || "Other") + " \u00b7 " + q.drill.title }));
    }
    var read = el("a", { class: "kbp-read", text: "See it on the page" });
    read.href = q.url;
    feedback.appendChild(read);

    // Missed in a drill: the question comes back a few questions later (not in the check, which
    // measures, nor more than twice in one round).
    if (!right && session.mode !== "ready" && (session.again[q.key] || 0) < AGAIN_MAX) {
      session.again[q.key] = (session.again[q.key] || 0) + 1;
      var at = Math.min(session.index + 1 + AGAIN_AFTER, session.questions.length);
      session.questions.splice(at, 0, q);
      feedback.appendChild(el("p", { class: "kbp-again-note", text: "It comes back later in this round." }));
    }

    var last = session.index + 1 >= session.questions.length;
    var go = button({ class: "md-button md-button--primary kbp-next-button", text: last ? "See how you did" : "Next question" }, function () {
      session.index += 1;
      if (last) finish(); else showQuestion();
    });
    next.appendChild(go);
    go.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest" });
  }

  function finish() {
    if (session.mode === "ready") return finishReady();
    player.textContent = "";
    var heading = playerHead("");
    var total = session.results.length;
    var result = el("div", { class: "kbp-result" });
    result.setAttribute("role", "status");
    result.appendChild(el("p", { class: "kbp-verdict", text: "You got " + session.right + " of " + total + " right." }));
    var missed = session.missed;
    var all = store.all();
    var fixed = missed.filter(function (q) { return all[q.key] && all[q.key].r; }).length;
    result.appendChild(el("p", { text: missed.length
      ? (fixed ? plural(fixed, "question") + " you missed came back and you got " + (fixed === 1 ? "it" : "them") + " in the end. " : "") +
        "The ones you missed come back first next time, and stay on your list until you get them right."
      : "Well done. These questions come back in a day or two, then less and less often: practice spread over days sticks." }));
    var actions = el("div", { class: "kbp-actions" });
    var wrongNow = missed.filter(function (q) { return !(all[q.key] && all[q.key].r); });
    if (wrongNow.length) {
      actions.appendChild(button({ class: "md-button md-button--primary kbp-retry",
                                   text: "Practise the " + plural(wrongNow.length, "one") + " I got wrong" },
        function () {
          start(session.title.replace(/: what you got wrong$/, "") + ": what you got wrong", wrongNow, session.from);
        }));
    }
    actions.appendChild(button({ class: "md-button kbp-back", text: "Back to the drills" }, stop));
    result.appendChild(actions);
    player.appendChild(result);
    heading.focus({ preventScroll: true });
    renderBar();
    renderList();
  }

  function finishReady() {
    player.textContent = "";
    var heading = playerHead("");
    var by = {}, order = [];
    session.results.forEach(function (r) {
      var s = r.q.drill.situation || "";
      if (!by[s]) { by[s] = { label: r.q.drill.situationLabel || "Other", url: r.q.drill.situationUrl || "", right: 0, total: 0 }; order.push(s); }
      by[s].total += 1;
      if (r.right) by[s].right += 1;
    });
    var total = session.results.length, right = session.right;
    var weak = order.filter(function (s) { return by[s].right === 0; });
    var passed = total > 0 && right / total >= READY_PASS && !weak.length;
    store.addCheck({ channel: data.ready.channel, label: data.ready.label, at: now(), right: right, total: total, ready: passed,
                     situations: order.reduce(function (acc, s) { acc[s || "other"] = by[s]; return acc; }, {}) });
    var result = el("div", { class: "kbp-result kbp-ready-result" });
    result.setAttribute("role", "status");
    result.appendChild(el("p", { class: "kbp-verdict", text: "You got " + right + " of " + total + " right (" + percent(right, total) + "%)." }));
    result.appendChild(el("p", { class: "kbp-ready-verdict", text: passed
      ? "Ready. Keep practising what comes due to stay sharp, and take the check again now and then."
      : "Not yet. Practise the situations marked below, then take the check again. You need " +
        Math.round(READY_PASS * 100) + "% and at least one right in every situation." }));
    var scores = el("ul", { class: "kbp-ready-scores" });
    scores.setAttribute("aria-label", "Score per situation");
    order.slice().sort(function (a, b) { return by[a].right / by[a].total - by[b].right / by[b].total; }).forEach(function (s) {
      var row = by[s];
      var state = row.right === row.total ? "all" : row.right ? "some" : "none";
      var item = el("li", { class: "kbp-ready-" + state });
      item.appendChild(el("span", { class: "kbp-ready-mark", text: state === "all" ? "\u2713" : state === "some" ? "\u00bd" : "\u2717" }));
      item.appendChild(el("span", { class: "kbp-ready-name", text: row.label }));
      item.appendChild(el("span", { class: "kbp-ready-score", text: row.right + " of " + row.total +
        (state === "all" ? ", all right" : state === "some" ? ", some wrong" : ", none right") }));
      if (state !== "all" && row.url) {
        var go = el("a", { class: "kbp-read", text: "Practise " + row.label.toLowerCase() });
        go.href = row.url;
        item.appendChild(go);
      }
      scores.appendChild(item);
    });
    result.appendChild(scores);
    var actions = el("div", { class: "kbp-actions" });
    actions.appendChild(button({ class: "md-button md-button--primary kbp-ready-again", text: "Take the check again" }, startReady));
    actions.appendChild(button({ class: "md-button kbp-back", text: "Back to the drills" }, stop));
    result.appendChild(actions);
    player.appendChild(result);
    heading.focus({ preventScroll: true });
    renderBar();
    renderReady();
    renderList();
  }

  /* 1-9 pick a choice while a question is open; keys typed into a field (the search box) are theirs. */
  document.addEventListener("keydown", function (event) {
    if (!session || event.ctrlKey || event.metaKey || event.altKey) return;
    if (kbkit.isTyping(event)) return;
    var n = parseInt(event.key, 10);
    if (!(n >= 1 && n <= 9)) return;
    var buttons = player.querySelectorAll(".kbp-choices:not(.kbp-answered) .kbp-choice");
    if (buttons[n - 1]) {
      event.preventDefault();
      buttons[n - 1].click();
    }
  });

  function openFromHash() {
    var id = decodeURIComponent((location.hash || "").slice(1));
    if (!id) return;
    if (id === "ready" && ready) {
      // The browser's own move to the fragment, when the page has loaded, would take the focus back.
      var land = function () {
        ready.scrollIntoView({ block: "start" });
        var go = ready.querySelector(".kbp-ready-start");
        if (go) go.focus({ preventScroll: true });
      };
      if (document.readyState === "complete") land(); else window.addEventListener("load", function () { setTimeout(land, 0); });
      return;
    }
    for (var i = 0; i < drills.length; i++) {
      if (drills[i].anchor === id) {
        start(drills[i].title, scheduled(drills[i].questions), drills[i].anchor);
        // The browser scrolls to the fragment (the drill's card, below) once the page has
        // loaded; the drill itself is what the reader came for.
        window.addEventListener("load", function () { player.scrollIntoView({ block: "start" }); });
        return;
      }
    }
  }

  self.KbPractice = { store: store, readyQuestions: readyQuestions, summaryText: summaryText };
  render();
  openFromHash();
  window.addEventListener("hashchange", openFromHash);
})();
