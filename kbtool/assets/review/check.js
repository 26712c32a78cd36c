/* "Check a reply": kbtool check in the browser.
 *
 * A port of kbtool/review/words.py and engine.py's Checker. The rules (word patterns, blank and
 * speaker patterns, word tables, each channel's openers) come compiled from Python in the page's
 * data, so this file only reads a text the same way and matches. A browser test runs the check
 * test set through both and compares. Nothing is sent or stored: the text stays in the page.
 */
(function () {
  "use strict";

  var WILDCARD = "*";

  function Checker(rules) {
    var words = rules.words;
    this.rules = rules;
    this.patterns = rules.patterns;
    this.functionWords = new Set(words.functionWords);
    this.suffixes = words.suffixes;
    this.irregular = words.irregular;
    this.sIs = new Set(words.sIs);
    this.numbers = words.numbers;
    this.index = new Map();
    this.need = [];
    for (var i = 0; i < this.patterns.length; i++) {
      var p = this.patterns[i], distinct = new Map();
      for (var k = 0; k < p.t.length; k++) {
        if (p.t[k] === WILDCARD) continue;
        var w = p.w[k];
        distinct.set(p.t[k], distinct.has(p.t[k]) ? Math.min(w, distinct.get(p.t[k])) : w);
      }
      var sum = 0;
      distinct.forEach(function (weight, stem) {
        if (!this.index.has(stem)) this.index.set(stem, []);
        this.index.get(stem).push([i, weight]);
        sum += weight;
      }, this);
      this.need.push(sum);
    }
    this.blankSource = rules.blank;
    this.speaker = new RegExp(rules.speaker);
    this.quoted = new RegExp(rules.quoted);
    this.customers = new Set(rules.customerLabels);
    this.agents = new Set(rules.agentLabels);
  }

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  Checker.prototype.stem = function (word) {
    var n = word.length;
    if (n > 4 && word.slice(-3) === "ies") word = word.slice(0, -3) + "y";
    else if (n > 5 && word.slice(-3) === "ing") word = word.slice(0, -3);
    else if (n > 4 && word.slice(-2) === "ed") word = word.slice(0, -2);
    else if (n > 3 && word.slice(-1) === "s" && word.slice(-2) !== "ss") word = word.slice(0, -1);
    if (word.length > 4 && word.slice(-1) === "e") word = word.slice(0, -1);
    return word;
  };

  Checker.prototype.spelledOut = function (word) {
    if (has(this.irregular, word)) return this.irregular[word];
    if (has(this.numbers, word)) return [this.numbers[word]];
    for (var i = 0; i < this.suffixes.length; i++) {
      var suffix = this.suffixes[i][0];
      if (word.length > suffix.length && word.slice(-suffix.length) === suffix) {
        return [word.slice(0, -suffix.length), this.suffixes[i][1]];
      }
    }
    if (word.length > 2 && word.slice(-2) === "'s") {
      var head = word.slice(0, -2);
      return this.sIs.has(head) ? [head, "is"] : [head];
    }
    return [word];
  };

  Checker.prototype.tokens = function (line) {
    var out = [], re = /[A-Za-z0-9]+(?:['\u2019\u2018\u02bc][A-Za-z0-9]+)*/g, m;
    while ((m = re.exec(line)) !== null) {
      var word = m[0].toLowerCase().replace(/[\u2019\u2018\u02bc]/g, "'");
      var parts = this.spelledOut(word);
      for (var i = 0; i < parts.length; i++) {
        out.push({ stem: this.stem(parts[i]), start: m.index, end: m.index + m[0].length,
                   weight: this.functionWords.has(parts[i]) ? 0.5 : 1.0 });
      }
    }
    return out;
  };

  Checker.prototype.label = function (line) {
    var m = this.speaker.exec(line);
    if (!m) return [null, 0];
    var label = m[1], first = label.split(" ")[0].toLowerCase();
    if (this.customers.has(first)) return [true, m[0].length];
    if (this.agents.has(first) || label.split(" ").every(function (w) { return /^[A-Z]/.test(w); })) {
      return [false, m[0].length];
    }
    return [null, 0];
  };

  // Columns count code points, as Python does, so astral characters do not shift them. A line's
  // positions are asked for in order, so the count goes on from the last one: counting from the
  // start of the line for every word made a long pasted line cost the square of its length.
  function Columns(line) { this.line = line; this.index = 0; this.column = 1; }

  Columns.prototype.at = function (index) {
    if (index < this.index) { this.index = 0; this.column = 1; }
    var line = this.line;
    for (var i = this.index; i < index; i++) {
      var code = line.charCodeAt(i);
      // The second half of a surrogate pair belongs to the code point the first half started.
      if (!(code >= 0xdc00 && code <= 0xdfff && i > 0 && isHighSurrogate(line.charCodeAt(i - 1)))) this.column++;
    }
    this.index = index;
    return this.column;
  };

  function isHighSurrogate(code) { return code >= 0xd800 && code <= 0xdbff; }

  Checker.prototype.passages = function (text) {
    var out = [], staffLines = [], current = null, pending = true;
    var lines = text.split(/\r\n|\r|\n/), blank = new RegExp(this.blankSource, "g");
    for (var n = 0; n < lines.length; n++) {
      var line = lines[n], number = n + 1;
      if (!line.trim() || this.quoted.test(line)) { current = null; continue; }
      var found = this.label(line), customer = found[0], start = found[1];
      if (customer !== null || current === null) {
        current = { agent: !customer, words: [] };
        out.push(current);
        pending = true;
      }
      if (!current.agent) continue;
      staffLines.push([number, start, line]);
      var masked = line.replace(blank, function (s) { return " ".repeat(s.length); });
      var last = start, toks = this.tokens(masked.slice(start)), columns = new Columns(line);
      for (var i = 0; i < toks.length; i++) {
        var at = start + toks[i].start;
        if (at > last) pending = pending || /[.?!;:]/.test(masked.slice(last, at));
        current.words.push([toks[i].stem, toks[i].weight, number, columns.at(at), pending]);
        pending = false;
        last = start + toks[i].end;
      }
      pending = pending || /[.?!;:]/.test(masked.slice(last));
    }
    return [out, staffLines];
  };

  Checker.prototype.check = function (text, path, channel) {
    var parsed = this.passages(text), passages = parsed[0], staffLines = parsed[1], found = [];
    // Appended in place: concat copies what was found so far, once per passage.
    function add(problems) { problems.forEach(function (p) { found.push(p); }); }
    for (var i = 0; i < passages.length; i++) {
      if (passages[i].agent && passages[i].words.length) add(this.matches(passages[i], path));
    }
    var rules = this.rules;
    staffLines.forEach(function (entry) {
      var number = entry[0], start = entry[1], line = entry[2], blank = new RegExp(rules.blank, "g"), m;
      var columns = new Columns(line);
      blank.lastIndex = start;
      while ((m = blank.exec(line)) !== null) {
        found.push(problem(path, number, columns.at(m.index), rules.blankLevel, rules.blankRule,
                           'unfilled blank "' + m[0] + '"', "fill it in before sending", ""));
        if (m[0].length === 0) blank.lastIndex++;
      }
    });
    if (channel) add(this.requirements(passages, path, channel));
    return sortUnique(found);
  };

  function problem(path, line, col, level, rule, message, hint, link) {
    return { path: path, line: line, column: col, level: level, rule: rule, message: message, hint: hint,
             link: link || "" };
  }

  function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function sortUnique(found) {
    var seen = new Set(), out = [];
    found.forEach(function (p) {
      var key = JSON.stringify([p.line, p.column, p.level, p.rule, p.message, p.hint]);
      if (!seen.has(key)) { seen.add(key); out.push(p); }
    });
    return out.sort(function (a, b) {
      return a.line - b.line || a.column - b.column || compare(a.level, b.level) || compare(a.rule, b.rule) ||
        compare(a.message, b.message) || compare(a.hint, b.hint);
    });
  }

  Checker.prototype.matches = function (passage, path) {
    var words = passage.words, hit = new Map(), present = new Set();
    words.forEach(function (w) { present.add(w[0]); });
    present.forEach(function (stem) {
      (this.index.get(stem) || []).forEach(function (pair) {
        hit.set(pair[0], (hit.get(pair[0]) || 0) + pair[1]);
      });
    }, this);
    var out = [];
    hit.forEach(function (got, i) {
      var p = this.patterns[i];
      if (this.need[i] - got > p.max + 1e-9) return;
      spans(p.t, p.w, p.max, words).forEach(function (span) {
        occurrences(p, words.slice(span[0], span[1])).forEach(function (start) {
          var word = words[span[0] + start];
          out.push(problem(path, word[2], word[3], p.level, p.rule, p.message, p.hint, p.link));
        });
      });
    }, this);
    return out;
  };

  Checker.prototype.requirements = function (passages, path, channel) {
    var staff = passages.filter(function (p) { return p.agent && p.words.length; });
    if (!staff.length) return [];
    var out = [], rules = this.rules;
    (rules.requirements[channel] || []).forEach(function (need) {
      var turns = rules.window[need.at][0], size = rules.window[need.at][1], window = [];
      var chosen = need.at === "start" ? staff.slice(0, turns) : staff.slice(-turns);
      chosen.forEach(function (p) { p.words.forEach(function (w) { window.push(w[0]); }); });
      window = need.at === "start" ? window.slice(0, size) : window.slice(-size);
      if (need.leads.some(function (lead) { return contains(window, lead); })) return;
      var first = (need.at === "start" ? staff[0] : staff[staff.length - 1]).words[0];
      out.push(problem(path, first[2], first[3], need.level, need.rule, need.message, need.hint, need.link));
    });
    return out;
  };

  function contains(window, lead) {
    for (var i = 0; i + lead.length <= window.length; i++) {
      var ok = true;
      for (var k = 0; k < lead.length && ok; k++) ok = lead[k] === WILDCARD || lead[k] === window[i + k];
      if (ok) return true;
    }
    return false;
  }

  function spans(pattern, weights, allowed, words) {
    var distinct = new Map();
    for (var k = 0; k < pattern.length; k++) {
      if (pattern[k] === WILDCARD) continue;
      distinct.set(pattern[k], distinct.has(pattern[k]) ? Math.min(weights[k], distinct.get(pattern[k])) : weights[k]);
    }
    var total = 0, content = new Set();
    distinct.forEach(function (w, stem) { total += w; if (w === 1.0) content.add(stem); });
    var need = total - allowed - 1e-9;
    var anchors = content.size > allowed ? content : new Set(distinct.keys());
    var reach = pattern.length + Math.floor(allowed / 0.5), out = [];
    for (var j = 0; j < words.length; j++) {
      if (!anchors.has(words[j][0])) continue;
      var lo = Math.max(0, j - reach), hi = Math.min(words.length, j + reach + 1);
      if (out.length && lo < out[out.length - 1][1] && j < out[out.length - 1][1]) {
        out[out.length - 1][1] = hi;
        continue;
      }
      var here = new Set(), got = 0;
      for (var x = lo; x < hi; x++) here.add(words[x][0]);
      distinct.forEach(function (w, stem) { if (here.has(stem)) got += w; });
      if (got >= need) out.push([lo, hi]);
    }
    return out;
  }

  // Each occurrence of the wording in a stretch, one finding each (engine.py's occurrences).
  function occurrences(p, part) {
    var found = [], at = 0, match;
    if (p.whole) {
      while ((match = wholeMatch(p.t, part, at)) !== null) {
        found.push(match[0]);
        at = Math.max(match[1], match[0] + 1);
      }
      return found;
    }
    var reach = p.t.length + Math.floor(p.max / 0.5);
    while (at < part.length) {
      match = bestMatch(p.t, p.w, p.max, part.slice(at, at + 2 * reach));
      if (match === null) {
        if (at + 2 * reach >= part.length) break;
        at += reach;
        continue;
      }
      found.push(at + match[0]);
      at += Math.max(match[1], match[0] + 1);
    }
    return found;
  }

  function wholeMatch(pattern, words, first) {
    var m = pattern.length, n = words.length;
    for (var i = first; i + m <= n; i++) {
      if (!words[i][4] || !(i + m === n || words[i + m][4])) continue;
      var ok = true;
      for (var k = 0; k < m && ok; k++) ok = pattern[k] === WILDCARD || pattern[k] === words[i + k][0];
      if (ok) return [i, i + m];
    }
    return null;
  }

  function bestMatch(pattern, weights, allowed, words) {
    var n = words.length, prev = [], prevStart = [];
    for (var j = 0; j <= n; j++) { prev.push(0); prevStart.push(j); }
    for (var i = 0; i < pattern.length; i++) {
      var stem = pattern[i], weight = weights[i], cur = [prev[0] + weight], curStart = [0];
      for (j = 1; j <= n; j++) {
        var word = words[j - 1][0], wordWeight = words[j - 1][1], best, start;
        if (stem === word || stem === WILDCARD) { best = prev[j - 1]; start = prevStart[j - 1]; }
        else { best = prev[j - 1] + (weight > wordWeight ? weight : wordWeight); start = prevStart[j - 1]; }
        var drop = prev[j] + weight;
        if (drop < best) { best = drop; start = prevStart[j]; }
        var add = cur[j - 1] + wordWeight;
        if (add < best) { best = add; start = curStart[j - 1]; }
        cur.push(best);
        curStart.push(start);
      }
      prev = cur;
      prevStart = curStart;
    }
    var limit = allowed + 1e-9, bestJ = -1;
    for (j = 1; j <= n; j++) {
      if (prev[j] <= limit) {
        if (bestJ < 0 || prev[j] < prev[bestJ]) bestJ = j;
      } else if (bestJ >= 0) {
        break;
      }
    }
    return bestJ >= 0 ? [prevStart[bestJ], bestJ] : null;
  }

  // -- the page ------------------------------------------------------------------------------------

  function build(root, data) {
    // Taken here, not when the file loads: the checker above runs without a page too (in node).
    var el = kbkit.el;
    var checker = new Checker(data.rules);
    root.textContent = "";
    var text = el("textarea", { id: "kb-check-text", rows: "12", spellcheck: "true",
                                placeholder: "Agent: Hello, you've reached ...\nCustomer: ..." });
    var channel = el("select", { id: "kb-check-channel" }, [el("option", { value: "", text: "Any (no greeting or closing check)" })]);
    data.channels.forEach(function (c) {
      if ((data.rules.requirements[c.id] || []).length) channel.appendChild(el("option", { value: c.id, text: c.label }));
    });
    var button = el("button", { type: "button", id: "kb-check-run", class: "kb-review-button", text: "Check" });
    var clear = el("button", { type: "button", id: "kb-check-clear", class: "kb-review-button kb-review-quiet", text: "Clear" });
    var summary = el("p", { id: "kb-check-summary", class: "kb-check-summary", role: "status", "aria-live": "polite" });
    var list = el("ol", { id: "kb-check-results", class: "kb-check-results" });
    root.appendChild(el("div", { class: "kb-review-field" }, [
      el("label", { for: "kb-check-text", text: "Reply, chat log or call transcript" }), text]));
    root.appendChild(el("div", { class: "kb-review-row" }, [
      el("div", { class: "kb-review-field" }, [el("label", { for: "kb-check-channel", text: "Channel" }), channel]),
      el("div", { class: "kb-review-actions" }, [button, clear])]));
    root.appendChild(summary);
    root.appendChild(list);

    function run() {
      var findings = checker.check(text.value, "reply", channel.value || null);
      list.textContent = "";
      if (!text.value.trim()) { summary.textContent = "Paste a reply to check it."; return findings; }
      summary.textContent = findings.length
        ? findings.length + (findings.length === 1 ? " thing" : " things") + " to look at before sending."
        : "Nothing to change: no wording to avoid, blank or example value found.";
      findings.forEach(function (f) {
        var where = "Line " + f.line + ", column " + f.column;
        var item = el("li", { class: "kb-check-finding kb-check-" + f.level, "data-rule": f.rule,
                              "data-line": String(f.line), "data-column": String(f.column) }, [
          el("p", { class: "kb-check-head" }, [
            el("span", { class: "kb-check-level", text: f.level === "error" ? "Fix" : "Consider" }), document.createTextNode(" "),
            goTo(f, where), el("span", { class: "kb-check-where", text: " · " + f.rule })]),
          el("p", { class: "kb-check-message", text: f.message }),
          el("p", { class: "kb-check-hint", text: f.link ? f.hint.replace(/ See \S+$|\s\(\S+\)$/, "") : f.hint })]);
        if (f.link) {
          item.appendChild(el("p", { class: "kb-check-link" }, [el("a", { href: f.link, text: "Open the approved wording" })]));
        }
        list.appendChild(item);
      });
      return findings;
    }

    // The place in the text: a button that puts the caret there, so a finding is found by keyboard too.
    function goTo(f, where) {
      var b = el("button", { type: "button", class: "kb-check-goto", text: where,
                             "aria-label": where + ": show it in the text" });
      b.addEventListener("click", function () {
        var lines = text.value.split(/\r\n|\r|\n/), offset = 0;
        for (var i = 0; i < f.line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
        offset += Array.from(lines[f.line - 1] || "").slice(0, f.column - 1).join("").length;
        text.focus();
        text.setSelectionRange(offset, offset);
      });
      return b;
    }

    var timer = null;
    text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 250); });
    channel.addEventListener("change", run);
    button.addEventListener("click", run);
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
    clear.addEventListener("click", function () { text.value = ""; run(); text.focus(); });
    run();
  }

  self.KbCheck = { Checker: Checker };
  var data = self.__kbpage, root = document.getElementById("kb-check");
  if (data && data.rules && root) build(root, data);
})();
