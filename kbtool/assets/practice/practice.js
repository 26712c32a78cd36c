/* kbtool practice drills: builds the drills of a practice page from its data script
 * (self.__kbpage, written by kbtool/site/practice.py) and keeps the reader's progress in
 * localStorage. The generated page HTML passes an allowlist sanitiser, so everything
 * interactive is made here; every text from the content goes in as textContent, never as HTML.
 */
(function () {
  "use strict";

  var data = self.__kbpage;
  if (!data || !data.storage) return;

  /* Progress: {"<entry id>/<question id>": {r: 1 right | 0 wrong, n: attempts}} under one key.
   * file:// pages may refuse localStorage (Firefox, locked-down desks): then progress lasts
   * until the page closes, and the page says so. */
  function openStore(key) {
    var memory = {};
    var ls = null;
    try {
      ls = window.localStorage;
      ls.setItem(key + ":probe", "1");
      ls.removeItem(key + ":probe");
    } catch (e) {
      ls = null;
    }
    function load() {
      if (!ls) return memory;
      try {
        var value = JSON.parse(ls.getItem(key) || "{}");
        return value && typeof value === "object" && !Array.isArray(value) ? value : {};
      } catch (e) {
        return {};
      }
    }
    function save(all) {
      memory = all;
      if (!ls) return;
      try {
        ls.setItem(key, JSON.stringify(all));
      } catch (e) {
        ls = null; // full or revoked: keep going in memory
      }
    }
    return {
      persistent: function () { return !!ls; },
      all: load,
      record: function (k, right) {
        var all = load();
        var old = all[k] || { n: 0 };
        all[k] = { r: right ? 1 : 0, n: (old.n || 0) + 1 };
        save(all);
      },
      forget: function (keys) {
        var all = load();
        keys.forEach(function (k) { delete all[k]; });
        save(all);
      }
    };
  }

  var store = openStore(data.storage);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function button(label, className, onClick) {
    var b = el("button", className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function tally(keys) {
    var all = store.all();
    var right = 0, wrong = 0;
    keys.forEach(function (k) {
      var rec = all[k];
      if (!rec) return;
      if (rec.r) right += 1; else wrong += 1;
    });
    return { total: keys.length, right: right, wrong: wrong, untried: keys.length - right - wrong };
  }

  function tallyText(t) {
    if (!t.right && !t.wrong) return plural(t.total, "question") + " · not tried yet";
    var parts = [plural(t.total, "question"), t.right + " right"];
    if (t.wrong) parts.push(t.wrong + " to practise again");
    if (t.untried) parts.push(t.untried + " not tried");
    return parts.join(" · ");
  }

  function meter(t) {
    var bar = el("div", "kbp-meter");
    bar.setAttribute("role", "img");
    bar.setAttribute("aria-label", t.right + " right, " + t.wrong + " wrong, " + t.untried + " not tried");
    [["kbp-meter-right", t.right], ["kbp-meter-wrong", t.wrong]].forEach(function (part) {
      if (!part[1]) return;
      var span = el("span", part[0]);
      span.style.width = (100 * part[1] / t.total) + "%";
      bar.appendChild(span);
    });
    return bar;
  }

  function notice(parent) {
    if (store.persistent()) return;
    parent.appendChild(el("p", "kbp-notice",
      "This browser is not keeping your progress for pages opened from a folder; it lasts until you close the page."));
  }

  /* -- the practice home: progress per page ------------------------------------------------ */
  if (data.home === true) {
    var links = document.querySelectorAll(".kb-practice-pages a");
    var byUrl = {};
    (data.pages || []).forEach(function (p) { byUrl[p.url] = p; });
    var allKeys = [];
    Array.prototype.forEach.call(links, function (a) {
      var page = byUrl[a.getAttribute("href")];
      if (!page) return;
      allKeys = allKeys.concat(page.questions);
      var t = tally(page.questions);
      if (!t.right && !t.wrong) return;
      var parts = [];
      if (t.right) parts.push(t.right + " right");
      if (t.wrong) parts.push(t.wrong + " to practise again");
      var done = el("span", "kbp-page-progress" + (t.wrong ? " kbp-has-wrong" : ""), parts.join(", "));
      a.parentNode.appendChild(done);
    });
    var intro = document.querySelector(".kb-practice-intro");
    if (intro) notice(intro);
    return;
  }

  var root = document.getElementById("kb-practice");
  if (!root || !Array.isArray(data.drills)) return;

  var drills = data.drills.filter(function (d) { return d.questions && d.questions.length; });
  drills.forEach(function (d) {
    d.questions.forEach(function (q) { q.key = d.id + "/" + q.id; q.drill = d; });
  });
  function keysOf(list) {
    var keys = [];
    list.forEach(function (d) { d.questions.forEach(function (q) { keys.push(q.key); }); });
    return keys;
  }
  function wrongOf(list) {
    var all = store.all();
    var out = [];
    list.forEach(function (d) {
      d.questions.forEach(function (q) { if (all[q.key] && !all[q.key].r) out.push(q); });
    });
    return out;
  }

  var session = null; // {title, questions, index, right, missed, answered}
  var bar, player, list;

  function render() {
    root.textContent = "";
    root.classList.add("kbp-ready");
    bar = el("div", "kbp-bar");
    player = el("section", "kbp-player");
    player.setAttribute("aria-label", "Drill");
    player.hidden = true;
    list = el("ul", "kbp-drills");
    root.appendChild(bar);
    root.appendChild(player);
    root.appendChild(list);
    notice(root);
    renderBar();
    renderList();
  }

  function renderBar() {
    bar.textContent = "";
    var t = tally(keysOf(drills));
    var summary = el("p", "kbp-summary", "On this page: " + tallyText(t));
    bar.appendChild(summary);
    var actions = el("div", "kbp-actions");
    var wrong = wrongOf(drills);
    var again = button("Practise what I got wrong" + (wrong.length ? " (" + wrong.length + ")" : ""), "md-button md-button--primary kbp-practise-wrong",
      function () { start("What you got wrong", wrongOf(drills)); });
    again.disabled = !wrong.length;
    actions.appendChild(again);
    actions.appendChild(button("Practise everything", "md-button kbp-practise-all", function () {
      var qs = [];
      drills.forEach(function (d) { qs = qs.concat(d.questions); });
      start(data.title ? "Everything: " + data.title : "Everything", qs);
    }));
    if (t.right || t.wrong) {
      actions.appendChild(button("Clear my answers", "kbp-link kbp-reset", function () {
        if (window.confirm("Clear your answers for the drills on this page?")) {
          store.forget(keysOf(drills));
          renderBar();
          renderList();
        }
      }));
    }
    bar.appendChild(actions);
  }

  function renderList() {
    list.textContent = "";
    drills.forEach(function (d) {
      var item = el("li", "kbp-drill");
      if (!document.getElementById(d.anchor)) item.id = d.anchor;
      var head = el("div", "kbp-drill-head");
      head.appendChild(el("h2", "kbp-drill-title", d.title));
      head.appendChild(el("span", "kb-kind", d.label));
      item.appendChild(head);
      if (d.summary) item.appendChild(el("p", "kbp-drill-summary", d.summary));
      var keys = d.questions.map(function (q) { return q.key; });
      var t = tally(keys);
      item.appendChild(meter(t));
      item.appendChild(el("p", "kbp-drill-score", tallyText(t)));
      var actions = el("div", "kbp-actions");
      var label = t.right || t.wrong ? "Practise again" : "Start";
      var startButton = button(label, "md-button md-button--primary kbp-start",
        function () { start(d.title, d.questions, d.anchor); });
      startButton.setAttribute("aria-label", label + ": " + d.title);
      actions.appendChild(startButton);
      if (t.wrong) {
        var fix = button("What I got wrong (" + t.wrong + ")", "md-button kbp-drill-wrong",
          function () { start(d.title + ": what you got wrong", wrongOf([d]), d.anchor); });
        actions.appendChild(fix);
      }
      var read = el("a", "kbp-read", "Read the " + (d.style === "flow" ? "script" : "phrase set"));
      read.href = d.url;
      actions.appendChild(read);
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  function start(title, questions, from) {
    if (!questions.length) return;
    session = { title: title, questions: questions.slice(), index: 0, right: 0, missed: [], from: from };
    player.hidden = false;
    showQuestion();
    player.scrollIntoView({ block: "start" });
  }

  function stop() {
    var from = session && session.from;
    session = null;
    player.hidden = true;
    player.textContent = "";
    renderBar();
    renderList();
    // Back where the reader started, so keyboard users do not land at the top of the page.
    var card = from && document.getElementById(from);
    var target = (card && card.querySelector(".kbp-start")) || bar.querySelector("button:not(:disabled)");
    if (target) target.focus();
  }

  function playerHead(subtitle) {
    var head = el("div", "kbp-player-head");
    var h = el("h2", "kbp-player-title", session.title);
    h.id = "kbp-player-title";
    h.tabIndex = -1;
    head.appendChild(h);
    if (subtitle) head.appendChild(el("span", "kbp-count", subtitle));
    head.appendChild(button("Stop", "kbp-link kbp-stop", stop));
    player.appendChild(head);
    player.setAttribute("aria-labelledby", "kbp-player-title");
    return h;
  }

  function quote(className, who, text) {
    var box = el("div", "kbp-quote " + className);
    box.appendChild(el("span", "kbp-who", who));
    box.appendChild(el("p", "kbp-quote-text", "\u201c" + text + "\u201d"));
    return box;
  }

  function showQuestion() {
    var q = session.questions[session.index];
    var total = session.questions.length;
    player.textContent = "";
    var heading = playerHead("Question " + (session.index + 1) + " of " + total);
    var progress = el("div", "kbp-progress");
    progress.setAttribute("aria-hidden", "true"); // "Question n of m" says it in words
    var fill = el("span");
    fill.style.width = (100 * session.index / total) + "%";
    progress.appendChild(fill);
    player.appendChild(progress);

    var scene = el("div", "kbp-scene");
    if (session.title.indexOf(q.drill.title) !== 0) scene.appendChild(el("p", "kbp-from", q.drill.title));
    if (q.said) scene.appendChild(quote("kbp-said", "You said", q.said));
    if (q.scene) {
      var moment = el("p", "kbp-moment");
      moment.appendChild(el("strong", null, q.said ? "Then: " : "The moment: "));
      moment.appendChild(document.createTextNode(q.scene));
      scene.appendChild(moment);
    }
    if (q.customer) scene.appendChild(quote("kbp-customer", "The customer says", q.customer));
    player.appendChild(scene);

    var prompt = el("p", "kbp-prompt", q.prompt);
    prompt.id = "kbp-prompt";
    player.appendChild(prompt);
    var choices = el("ol", "kbp-choices");
    choices.setAttribute("aria-labelledby", "kbp-prompt");
    var feedback = el("div", "kbp-feedback");
    feedback.setAttribute("role", "status");
    var next = el("div", "kbp-next");
    q.choices.forEach(function (choice, i) {
      var li = el("li");
      var b = button("", "kbp-choice", function () { answer(q, choice, choices, feedback, next); });
      b.appendChild(el("span", "kbp-key", String(i + 1)));
      b.appendChild(el("span", "kbp-choice-text", choice.text));
      b.__choice = choice;
      li.appendChild(b);
      choices.appendChild(li);
    });
    player.appendChild(choices);
    player.appendChild(feedback);
    player.appendChild(next);
    heading.focus({ preventScroll: true });
  }

  function answer(q, choice, choices, feedback, next) {
    if (choices.classList.contains("kbp-answered")) return;
    choices.classList.add("kbp-answered");
    var right = !!choice.correct;
    store.record(q.key, right);
    if (right) session.right += 1; else session.missed.push(q);
    var correct = null;
    Array.prototype.forEach.call(choices.querySelectorAll(".kbp-choice"), function (b) {
      var c = b.__choice;
      b.disabled = true;
      if (c.correct) {
        correct = c;
        b.classList.add("kbp-is-right");
        b.appendChild(el("span", "kbp-tag", "Right answer"));
      } else if (c === choice) {
        b.classList.add("kbp-is-wrong");
        b.appendChild(el("span", "kbp-tag", "Your answer"));
      }
    });
    feedback.textContent = "";
    feedback.classList.add(right ? "kbp-feedback-right" : "kbp-feedback-wrong");
    feedback.appendChild(el("p", "kbp-verdict", right ? "\u2713 Right." : "\u2717 Not this one."));
    feedback.appendChild(el("p", "kbp-explain", choice.explain));
    if (!right && correct) {
      var better = el("p", "kbp-better");
      better.appendChild(el("strong", null, "Use instead: "));
      better.appendChild(document.createTextNode("\u201c" + correct.text + "\u201d"));
      feedback.appendChild(better);
      if (correct.explain !== choice.explain) feedback.appendChild(el("p", "kbp-explain", correct.explain));
    }
    var read = el("a", "kbp-read", "See it on the page");
    read.href = q.url;
    feedback.appendChild(read);

    var last = session.index + 1 >= session.questions.length;
    var go = button(last ? "See how you did" : "Next question", "md-button md-button--primary kbp-next-button", function () {
      session.index += 1;
      if (last) finish(); else showQuestion();
    });
    next.appendChild(go);
    go.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest" });
  }

  function finish() {
    player.textContent = "";
    var heading = playerHead("");
    var total = session.questions.length;
    var result = el("div", "kbp-result");
    result.setAttribute("role", "status");
    result.appendChild(el("p", "kbp-verdict", "You got " + session.right + " of " + total + " right."));
    var missed = session.missed;
    result.appendChild(el("p", null, missed.length
      ? "Come back to the ones you missed: they stay on your list until you get them right."
      : "Well done. Try another drill, or come back tomorrow: practice spread over days sticks."));
    var actions = el("div", "kbp-actions");
    if (missed.length) {
      actions.appendChild(button("Practise the " + plural(missed.length, "one") + " I got wrong",
        "md-button md-button--primary kbp-retry", function () {
          start(session.title.replace(/: what you got wrong$/, "") + ": what you got wrong", missed, session.from);
        }));
    }
    actions.appendChild(button("Back to the drills", "md-button kbp-back", stop));
    result.appendChild(actions);
    player.appendChild(result);
    heading.focus({ preventScroll: true });
    renderBar();
    renderList();
  }

  /* 1-9 pick a choice while a question is open; keys typed into a field (the search box) are theirs. */
  document.addEventListener("keydown", function (event) {
    if (!session || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
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
    for (var i = 0; i < drills.length; i++) {
      if (drills[i].anchor === id) {
        start(drills[i].title, drills[i].questions, drills[i].anchor);
        // The browser scrolls to the fragment (the drill's card, below) once the page has
        // loaded; the drill itself is what the reader came for.
        window.addEventListener("load", function () { player.scrollIntoView({ block: "start" }); });
        return;
      }
    }
  }

  render();
  openFromHash();
  window.addEventListener("hashchange", openFromHash);
})();
