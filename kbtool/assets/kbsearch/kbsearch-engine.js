/*
 * kbtool site search: the query engine (no DOM).
 *
 * A port of what `kbtool search` does at query time (kbtool/search/api.py run_query and the
 * parts of Whoosh it relies on), over the index kbtool/sitesearch/index.py writes:
 *   analysis    \w+('\w+)? tokens, lower case, accents folded, Whoosh's stop words but "not",
 *               Porter stems as whoosh.lang.porter computes them
 *   corrections unknown words -> known words within 1 edit (under 6 letters) or 2, same first
 *               letter, difflib similarity >= 0.75, closest then most common
 *   synonyms    the longest synonym at a position wins; its alternatives count in say, title,
 *               keywords and topic; multi-word ones as phrases; typed words 0.5 each on their own
 *   scoring     BM25F per field and term (B 0.75, K1 1.2), field boosts, kind boosts inside the
 *               term weight, identical leaves counted once, ties by document order
 * Whatever does not depend on the query (postings, lengths, phrase scores) comes precomputed.
 * Works in a page or in node (tests compare it with the terminal search).
 */
(function (root) {
  "use strict";

  // -- analysis ------------------------------------------------------------------------------

  var TOKEN = /[\p{L}\p{N}_]+(?:'[\p{L}\p{N}_]+)?/gu;
  var ASCII = /^[\x00-\x7f]*$/;
  var LIGATURES = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th" };
  var LIGATURE = /[ßæœøłđþ]/g;
  var STOP_WORDS = new Set(("a an and are as at be by can for from have if in is it may of on or tbd that " +
    "the this to us we when will with yet you your").split(" "));
  // Characters Python's unicodedata.combining() calls combining; the index may carry the exact
  // table of the Python that built it (core.combining), this is the usual case.
  var combining = /\p{Mn}/gu;

  function codePoints(text) { return Array.from(text); }

  function fold(word) {
    if (ASCII.test(word)) return word;
    var translated = word.replace(LIGATURE, function (c) { return LIGATURES[c]; });
    return translated.normalize("NFKD").replace(combining, "");
  }

  function tokens(text) {
    return String(text).match(TOKEN) || [];
  }

  /** The words as typed: lower-cased, accents folded (kbtool.search.whoosh_engine.surface_words). */
  function surfaceWords(text) {
    return tokens(text).map(function (t) { return fold(t.toLowerCase()); });
  }

  // whoosh.lang.porter, regular expression for regular expression. Python's re.match anchors at
  // the start, so patterns used with match() carry a ^ here even where Whoosh's lack one.
  var STEP2 = { ational: "ate", tional: "tion", enci: "ence", anci: "ance", izer: "ize", bli: "ble", alli: "al",
    entli: "ent", eli: "e", ousli: "ous", ization: "ize", ation: "ate", ator: "ate", alism: "al",
    iveness: "ive", fulness: "ful", ousness: "ous", aliti: "al", iviti: "ive", biliti: "ble", logi: "log" };
  var STEP3 = { icate: "ic", ative: "", alize: "al", iciti: "ic", ical: "ic", ful: "", ness: "" };
  var C = "[^aeiouy]+", V = "[aeiou]+";
  var MGR0 = new RegExp("^(" + C + ")?" + V + C);
  var MEQ1 = new RegExp("^(" + C + ")?" + V + C + "(" + V + ")?$");
  var MGR1 = new RegExp("^(" + C + ")?" + V + C + V + C);
  var S_V = new RegExp("^(" + C + ")?[aeiouy]");
  var C_V = new RegExp("^" + C + "[aeiouy][^aeiouwxy]$");
  var ED_ING = /^(.*)(ed|ing)$/;
  var AT_BL_IZ = /^(at|bl|iz)$/;
  var STEP1B = /^([^aeiouylsz])\1$/;
  var RE_STEP2 = /^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$/;
  var RE_STEP3 = /^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$/;
  var RE_STEP4_1 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/;
  var RE_STEP4_2 = /^(.+?)(s|t)(ion)$/;
  var RE_STEP5 = /^(.+?)e$/;
  var stemCache = new Map();

  function porter(w) {
    if (w.length < 3) return w;
    var firstIsY = w[0] === "y";
    if (firstIsY) w = "Y" + w.slice(1);
    var m, stem;
    if (w.endsWith("s")) {
      if (w.endsWith("sses")) w = w.slice(0, -2);
      else if (w.endsWith("ies")) w = w.slice(0, -2);
      else if (w[w.length - 2] !== "s") w = w.slice(0, -1);
    }
    if (w.endsWith("eed")) {
      if (MGR0.test(w.slice(0, -3))) w = w.slice(0, -1);
    } else {
      m = ED_ING.exec(w);
      if (m) {
        stem = m[1];
        if (S_V.test(stem)) {
          w = stem;
          if (AT_BL_IZ.test(w)) w += "e";
          else if (STEP1B.test(w)) w = w.slice(0, -1);
          else if (C_V.test(w)) w += "e";
        }
      }
    }
    if (w.endsWith("y")) {
      stem = w.slice(0, -1);
      if (S_V.test(stem)) w = stem + "i";
    }
    m = RE_STEP2.exec(w);
    if (m && MGR0.test(m[1])) w = m[1] + STEP2[m[2]];
    m = RE_STEP3.exec(w);
    if (m && MGR0.test(m[1])) w = m[1] + STEP3[m[2]];
    m = RE_STEP4_1.exec(w);
    if (m) {
      if (MGR1.test(m[1])) w = m[1];
    } else {
      m = RE_STEP4_2.exec(w);
      if (m) {
        stem = m[1] + m[2];
        if (MGR1.test(stem)) w = stem;
      }
    }
    m = RE_STEP5.exec(w);
    if (m) {
      stem = m[1];
      if (MGR1.test(stem) || (MEQ1.test(stem) && !C_V.test(stem))) w = stem;
    }
    if (w.endsWith("ll") && MGR1.test(w)) w = w.slice(0, -1);
    if (firstIsY) w = "y" + w.slice(1);
    return w;
  }

  function stemOf(word) {
    var cached = stemCache.get(word);
    if (cached === undefined) {
      cached = porter(word);
      if (stemCache.size > 20000) stemCache.clear();
      stemCache.set(word, cached);
    }
    return cached;
  }

  /** Index terms of a text as `stems(text)` in kbtool.search.whoosh_engine gives them (query mode). */
  function stems(text) {
    var out = [];
    surfaceWords(text).forEach(function (word) {
      if (codePoints(word).length >= 2 && !STOP_WORDS.has(word)) out.push(stemOf(word));
    });
    return out;
  }

  function stemWord(word) {
    var found = stems(word);
    return found.length ? found[0] : null;
  }

  // -- spelling ------------------------------------------------------------------------------

  /** difflib.SequenceMatcher(None, a, b).ratio(), block for block (no junk: words are short). */
  function ratio(a, b) {
    a = codePoints(a); b = codePoints(b);
    var b2j = new Map();
    b.forEach(function (c, j) {
      var list = b2j.get(c);
      if (!list) b2j.set(c, list = []);
      list.push(j);
    });
    function longest(alo, ahi, blo, bhi) {
      var besti = alo, bestj = blo, bestsize = 0, j2len = new Map();
      for (var i = alo; i < ahi; i++) {
        var next = new Map(), list = b2j.get(a[i]) || [];
        for (var n = 0; n < list.length; n++) {
          var j = list[n];
          if (j < blo) continue;
          if (j >= bhi) break;
          var k = (j2len.get(j - 1) || 0) + 1;
          next.set(j, k);
          if (k > bestsize) { besti = i - k + 1; bestj = j - k + 1; bestsize = k; }
        }
        j2len = next;
      }
      while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) { besti--; bestj--; bestsize++; }
      while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
      return [besti, bestj, bestsize];
    }
    var matches = 0, queue = [[0, a.length, 0, b.length]];
    while (queue.length) {
      var q = queue.pop(), found = longest(q[0], q[1], q[2], q[3]);
      var i = found[0], j = found[1], k = found[2];
      if (k) {
        matches += k;
        if (q[0] < i && q[2] < j) queue.push([q[0], i, q[2], j]);
        if (i + k < q[1] && j + k < q[3]) queue.push([i + k, q[1], j + k, q[3]]);
      }
    }
    var length = a.length + b.length;
    return length ? 2.0 * matches / length : 1.0;
  }

  /** Levenshtein distance, or limit + 1 as soon as it must exceed `limit`. */
  function distance(a, b, limit) {
    a = codePoints(a); b = codePoints(b);
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var previous = [], current = [], i, j;
    for (j = 0; j <= b.length; j++) previous[j] = j;
    for (i = 1; i <= a.length; i++) {
      current[0] = i;
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
        if (current[j] < best) best = current[j];
      }
      if (best > limit) return limit + 1;
      var swap = previous; previous = current; current = swap;
    }
    return previous[b.length];
  }

  // -- decoding the index --------------------------------------------------------------------

  function bytes(base64) {
    var binary = root.atob ? root.atob(base64) : Buffer.from(base64, "base64").toString("binary");
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function Reader(data, position) { this.data = data; this.pos = position || 0; }
  Reader.prototype.next = function () {
    var data = this.data, value = 0, shift = 0, byte;
    do {
      byte = data[this.pos++];
      value += (byte & 0x7f) * Math.pow(2, shift);
      shift += 7;
    } while (byte & 0x80);
    return value;
  };

  function varints(base64, count) {
    var reader = new Reader(bytes(base64)), out = [];
    while (reader.pos < reader.data.length && (count === undefined || out.length < count)) out.push(reader.next());
    return out;
  }

  function docList(base64) {
    var gaps = varints(base64), out = new Int32Array(gaps.length), previous = -1;
    for (var i = 0; i < gaps.length; i++) { previous += gaps[i] + 1; out[i] = previous; }
    return out;
  }

  /**
   * The search over one loaded index. `core` is what kbsearch/index.js defines; postings come
   * later through `addShard` (the caller loads the files `shardsFor` names).
   */
  function Index(core) {
    var self = this, f, i;
    this.core = core;
    this.n = core.documents;
    this.fields = core.fields;
    this.nf = core.fields.length;
    this.fieldBoosts = core.fieldBoosts;
    this.allFields = core.fields.map(function (_, index) { return index; });
    this.synonymFields = core.synonymFields;
    this.avgfl = core.avgFieldLengths;
    this.B = core.B; this.K1 = core.K1;
    if (core.combining) combining = new RegExp("[" + core.combining + "]", "gu");
    this.lengths = bytes(core.lengths);
    this.lengthTable = core.lengthTable;
    this.docKinds = bytes(core.docKinds);
    this.kindNames = core.kinds.map(function (k) { return k[0]; });
    this.kindBoosts = core.kindBoosts;
    // Documents of an entry are consecutive; the entry carries the channels and situation.
    var entryDocs = varints(core.entryDocs);
    this.entryChannels = varints(core.entryChannels);
    this.entrySituations = varints(core.entrySituations);
    this.docEntry = new Int32Array(this.n);
    var doc = 0;
    entryDocs.forEach(function (count, entry) { for (var k = 0; k < count; k++) self.docEntry[doc++] = entry; });
    this.situationIndex = new Map(core.situations.map(function (s, index) { return [s[0], index + 1]; }));
    // Terms: per field, how many documents hold each and where its postings start.
    this.terms = core.terms ? core.terms.split("\n") : [];
    this.termIds = new Map(this.terms.map(function (t, index) { return [t, index]; }));
    var v = this.terms.length, nf = this.nf, groups = core.shardGroups;
    this.groupOf = new Int32Array(nf);
    groups.forEach(function (group, g) { group.forEach(function (field) { self.groupOf[field] = g; }); });
    this.termDf = new Int32Array(v * nf);
    this.termOffset = new Int32Array(v * nf);
    this.termShard = new Int32Array(v * groups.length);
    var info = new Reader(bytes(core.termInfo)), sizes = new Int32Array(v * nf);
    for (i = 0; i < v; i++) {
      for (f = 0; f < nf; f++) this.termDf[i * nf + f] = info.next();
      for (f = 0; f < nf; f++) if (this.termDf[i * nf + f]) sizes[i * nf + f] = info.next();
    }
    // Each field group has its own series of shards, each holding a run of consecutive terms.
    var shard = 0;
    groups.forEach(function (group, g) {
      var term = 0;
      while (shard < core.shardTerms.length && core.shardTerms[shard][0] === g) {
        var offset = 0, end = term + core.shardTerms[shard][1];
        for (; term < end; term++) {
          self.termShard[term * groups.length + g] = shard;
          group.forEach(function (field) {
            self.termOffset[term * nf + field] = offset;
            offset += sizes[term * nf + field];
          });
        }
        shard++;
      }
    });
    this.groupCount = groups.length;
    this.shards = new Map();
    this.postings = new Map();
    // Spelling: the words as typed, with how many documents use each, grouped by first letter.
    this.spellWords = core.spellWords ? core.spellWords.split("\n") : [];
    var frequency = varints(core.spellFrequency);
    this.spellFrequency = new Map(this.spellWords.map(function (w, index) { return [w, frequency[index]]; }));
    this.byFirst = new Map();
    this.spellWords.forEach(function (word, index) {
      var first = codePoints(word)[0], range = self.byFirst.get(first);
      if (!range) self.byFirst.set(first, [index, index + 1]); else range[1] = index + 1;
    });
    this.synonymWords = core.synonymWords;
    this.functionWords = new Set(core.close.functionWords);
    // Each entry's first document (its opening step or first phrase): documents of an entry are consecutive.
    this.entryFirst = [];
    var first = 0;
    entryDocs.forEach(function (count) { self.entryFirst.push(first); first += count; });
    // Synonyms: each member (as stems) and its alternatives, in the terminal's order.
    this.members = core.synonymMembers.map(function (m) { return m.split(" "); });
    this.memberIndex = new Map(core.synonymMembers.map(function (m, index) { return [m, index]; }));
    this.alternatives = synonymAlternatives(core.synonymMembers.length, core.synonymGroups);
    this.longest = this.members.reduce(function (n, m) { return Math.max(n, m.length); }, 0);
    this.synonymStems = new Set([].concat.apply([], this.members));
    this.phrases = new Map();
    core.phrases.forEach(function (p) {
      self.phrases.set(p[0] * nf + p[1], { docs: docList(p[2]), scores: Float64Array.from(p[3]) });
    });
    this.pages = core.pages.map(function (p) { return { title: p[0], path: p[1], label: p[2], stems: p[3] ? p[3].split(" ") : [] }; });
    this.norms = [];
    this.correctionCache = new Map();
    this.nearCache = new Map();
    this.acc = new Float64Array(this.n);
    this.touched = new Int32Array(this.n);
  }

  /** For each member, the other members of every group holding it, first group first (api._synonym_table). */
  function synonymAlternatives(count, groups) {
    var known = [], out = [], m;
    for (m = 0; m < count; m++) known.push(new Set());
    groups.forEach(function (group) {
      group.forEach(function (member) {
        group.forEach(function (other) { if (other !== member) known[member].add(other); });
      });
    });
    for (m = 0; m < count; m++) out.push(Array.from(known[m]));
    return out;
  }

  Index.prototype.termId = function (stem) {
    var id = this.termIds.get(stem);
    return id === undefined ? -1 : id;
  };

  Index.prototype.df = function (termId, field) {
    return termId < 0 ? 0 : this.termDf[termId * this.nf + field];
  };

  /** Whether any searched field holds the stem (Reader.knows). */
  Index.prototype.knows = function (stem) {
    var id = this.termId(stem);
    if (id < 0) return false;
    for (var f = 0; f < this.nf; f++) if (this.termDf[id * this.nf + f]) return true;
    return false;
  };

  Index.prototype.addShard = function (number, base64) {
    if (!this.shards.has(number)) this.shards.set(number, bytes(base64));
  };

  Index.prototype.shardOf = function (termId, field) {
    return this.termShard[termId * this.groupCount + this.groupOf[field]];
  };

  /** The shard files (numbers) still needed for these [termId, field] pairs. */
  Index.prototype.shardsFor = function (pairs) {
    var self = this, need = new Set();
    pairs.forEach(function (pair) {
      var shard = self.shardOf(pair[0], pair[1]);
      if (!self.shards.has(shard)) need.add(shard);
    });
    return Array.from(need);
  };

  /** One term's documents in one field and their BM25F scores (query-independent, so cached). */
  Index.prototype.scored = function (termId, field) {
    var key = termId * this.nf + field, cached = this.postings.get(key);
    if (cached) return cached;
    var df = this.termDf[key], docs = new Int32Array(df), scores = new Float64Array(df);
    var data = this.shards.get(this.shardOf(termId, field)), pos = this.termOffset[key];
    var idf = Math.log(this.n / (df + 1)) + 1, K1 = this.K1, kinds = this.docKinds, boosts = this.kindBoosts;
    var norm = this.norm(field), doc = -1, code, freq, byte, shift;
    for (var i = 0; i < df; i++) {
      // Varints inline (a gap shifted left once, its low bit saying a frequency follows): this
      // loop runs once per posting of every term a query meets for the first time.
      code = 0; shift = 1;
      do { byte = data[pos++]; code += (byte & 0x7f) * shift; shift *= 128; } while (byte & 0x80);
      freq = 1;
      if (code & 1) {
        freq = 0; shift = 1;
        do { byte = data[pos++]; freq += (byte & 0x7f) * shift; shift *= 128; } while (byte & 0x80);
      }
      doc += Math.floor(code / 2) + 1;
      docs[i] = doc;
      // Whoosh stores weight = frequency x document boost as a 32-bit float.
      var tf = Math.fround(freq * boosts[kinds[doc]]);
      scores[i] = idf * ((tf * (K1 + 1)) / (tf + norm[doc]));
    }
    cached = { docs: docs, scores: scores };
    if (this.postings.size > 4000) this.postings.clear();
    this.postings.set(key, cached);
    return cached;
  };

  /** BM25's length normalisation of every document in a field, K1 x ((1 - B) + B x length / average):
   * the same expression, so the same doubles, as computing it per posting. */
  Index.prototype.norm = function (field) {
    var norm = this.norms[field];
    if (norm) return norm;
    var n = this.n, K1 = this.K1, B = this.B, avgfl = this.avgfl[field], table = this.lengthTable;
    var lengths = this.lengths, base = field * n;
    norm = this.norms[field] = new Float64Array(n);
    for (var doc = 0; doc < n; doc++) norm[doc] = K1 * ((1 - B) + B * table[lengths[base + doc]] / avgfl);
    return norm;
  };

  // -- planning (kbtool.search.api._plan) ----------------------------------------------------

  /** Corrections for a word, remembered: every key replans the whole query, so words typed earlier
   * in it come back on every key, and difflib over the synonym words is the costliest step. */
  Index.prototype.corrections = function (word, limit) {
    limit = limit || 3;
    var key = word + "\u0000" + limit, cached = this.correctionCache.get(key);
    if (cached) return cached;
    if (this.correctionCache.size > 2000) this.correctionCache.clear();
    cached = this._corrections(word, limit);
    this.correctionCache.set(key, cached);
    return cached;
  };

  Index.prototype._corrections = function (word, limit) {
    if (codePoints(word).length < 3 || !/^\p{L}+$/u.test(word.replace(/'/g, ""))) return [];
    var self = this, similar = this.core.similar, found = new Set();
    var maxdist = codePoints(word).length < 6 ? 1 : 2;
    var range = this.byFirst.get(codePoints(word)[0]);
    if (range) {
      for (var i = range[0]; i < range[1]; i++) {
        if (distance(this.spellWords[i], word, maxdist) <= maxdist) found.add(this.spellWords[i]);
      }
    }
    // difflib.get_close_matches(word, synonym words, n=3, cutoff): the three best, ties by the larger word.
    var close = [];
    this.synonymWords.forEach(function (candidate) {
      var r = ratio(candidate, word);
      if (r >= similar) close.push([r, candidate]);
    });
    close.sort(function (x, y) { return y[0] - x[0] || (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0); });
    close.slice(0, limit).forEach(function (c) { found.add(c[1]); });
    found.delete(word);
    var scored = [];
    found.forEach(function (candidate) {
      var r = ratio(word, candidate);
      if (r >= similar) scored.push([r, self.spellFrequency.get(candidate) || 0, candidate]);
    });
    scored.sort(function (x, y) { return y[0] - x[0] || y[1] - x[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0); });
    return scored.slice(0, limit).map(function (s) { return s[2]; });
  };

  /**
   * The leaves of a query, in the terminal's order and counted once each as Whoosh's normalize()
   * counts them: [field, stems (array), boost]. Also the corrections made and the typed stems.
   */
  Index.prototype.plan = function (query) {
    var self = this, terms = [], corrections = [], slots = [], close = this.core.close;
    surfaceWords(query).forEach(function (word) {
      var stem = stemWord(word);
      if (stem === null) return;
      // A slot: a word a close hit must hold (kbtool.search.closeness); the question's own words are none.
      var slot = self.functionWords.has(word) ? null : { word: word, weight: 0, leaves: [] };
      if (slot) slots.push(slot);
      if (self.synonymStems.has(stem) || self.knows(stem)) {
        terms.push([stem, 1.0, slot, 1.0]);
        if (slot) slot.weight = self.weightOf(self.spellFrequency.get(word) || 0);
        return;
      }
      var fixes = self.corrections(word);
      var fixed = fixes.length ? stemWord(fixes[0]) : null;
      if (slot) slot.weight = self.weightOf(fixed !== null ? (self.spellFrequency.get(fixes[0]) || 0) : 0);
      if (fixed !== null) {
        corrections.push([word, fixes[0]]);
        terms.push([fixed, self.core.correctionBoost, slot, correctedCredit(word, fixes[0], close)]);
      }
    });
    function held(span, member, fields, credit) {
      span.forEach(function (term) {
        if (term[2]) term[2].leaves.push({ member: member, fields: fields, credit: credit * term[3] });
      });
    }
    var leaves = [], seen = new Set();
    function add(member, boost, fields) {
      fields.forEach(function (f) {
        var weight = self.fieldBoosts[f] * boost, key = f + "\u0000" + member.join(" ") + "\u0000" + weight;
        if (seen.has(key)) return;
        seen.add(key);
        leaves.push([f, member, weight]);
      });
    }
    var seq = terms.map(function (t) { return t[0]; }), i = 0;
    while (i < seq.length) {
      var member = null, index = -1;
      for (var n = Math.min(this.longest, seq.length - i); n > 0; n--) {
        index = this.memberIndex.get(seq.slice(i, i + n).join(" "));
        if (index !== undefined) { member = seq.slice(i, i + n); break; }
      }
      if (member === null) {
        add([seq[i]], terms[i][1], this.allFields);
        held(terms.slice(i, i + 1), [seq[i]], this.allFields, 1.0);
        i += 1;
        continue;
      }
      var span = terms.slice(i, i + member.length);
      var boost = Math.min.apply(null, span.map(function (t) { return t[1]; }));
      add(member, boost, this.allFields);
      held(span, member, this.allFields, 1.0);
      var synonymBoost = this.core.synonymBoost * boost;
      this.alternatives[index].forEach(function (alt) {
        add(self.members[alt], synonymBoost, self.synonymFields);
        held(span, self.members[alt], self.synonymFields, close.synonymCredit);
      });
      if (member.length > 1) {
        member.forEach(function (stem, k) {
          add([stem], 0.5 * boost, self.allFields);
          held([span[k]], [stem], self.allFields, 1.0);
        });
      }
      i += member.length;
    }
    return { leaves: leaves, corrections: corrections, stems: seq, slots: slots };
  };

  // -- close matches (kbtool.search.closeness) -----------------------------------------------

  /** A word's weight: Whoosh's idf of the word as typed among the documents. */
  Index.prototype.weightOf = function (df) {
    return this.n ? Math.log(this.n / (df + 1)) + 1 : 1.0;
  };

  /** What a corrected word counts for: a likely typo keeps its first letter and is one edit away
   * (two from six letters); a short word or any other correction is as likely another real word. */
  function correctedCredit(word, correction, close) {
    var w = codePoints(word), allowed = w.length < 6 ? 1 : 2;
    var likely = w.length >= close.longWord && w[0] === codePoints(correction)[0] &&
      distance(word, correction, allowed) <= allowed;
    return likely ? close.correctedCredit : close.unlikelyCredit;
  }

  function sortedHas(docs, doc) {
    var lo = 0, hi = docs.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (docs[mid] < doc) lo = mid + 1; else hi = mid;
    }
    return lo < docs.length && docs[lo] === doc;
  }

  /** Which of `docs` hold a leaf's words (a stem, or a synonym phrase) in any of `fields`. */
  Index.prototype.holding = function (member, fields, docs) {
    var self = this, found = new Set();
    fields.forEach(function (field) {
      var list = null;
      if (member.length === 1) {
        var id = self.termId(member[0]);
        if (id >= 0 && self.df(id, field)) list = self.scored(id, field).docs;
      } else {
        var index = self.memberIndex.get(member.join(" "));
        var phrase = index === undefined ? null : self.phrases.get(index * self.nf + field);
        if (phrase) list = phrase.docs;
      }
      if (list) docs.forEach(function (doc) { if (!found.has(doc) && sortedHas(list, doc)) found.add(doc); });
    });
    return found;
  };

  /** For each of `docs`, its credit per slot: closeness.credits, step for step. */
  Index.prototype.credits = function (slots, docs) {
    var self = this, out = new Map();
    docs = Array.from(new Set(docs));
    docs.forEach(function (doc) { out.set(doc, []); });
    slots.forEach(function (slot) {
      var best = new Map();
      docs.forEach(function (doc) { best.set(doc, 0); });
      var leaves = slot.leaves.slice().sort(function (a, b) { return b.credit - a.credit; });
      for (var l = 0; l < leaves.length; l++) {
        var leaf = leaves[l];
        var asking = docs.filter(function (doc) { return best.get(doc) < leaf.credit; });
        if (!asking.length) break;
        self.holding(leaf.member, leaf.fields, asking).forEach(function (doc) { best.set(doc, leaf.credit); });
      }
      docs.forEach(function (doc) { out.get(doc).push(best.get(doc)); });
    });
    return out;
  };

  /** The share of the query's weight per-slot credits amount to (closeness.share). */
  function share(slots, held) {
    var total = 0, value = 0, s;
    for (s = 0; s < slots.length; s++) total += slots[s].weight;
    if (!total) return 0;
    for (s = 0; s < slots.length; s++) value += slots[s].weight * held[s];
    return value / total;
  }

  /** The share of the query's weight each of `docs` holds (closeness.coverage). */
  Index.prototype.coverage = function (slots, docs) {
    var out = new Map();
    this.credits(slots, docs).forEach(function (held, doc) { out.set(doc, share(slots, held)); });
    return out;
  };

  Index.prototype.isClose = function (share) { return share >= this.core.close.at - 1e-9; };

  /**
   * What staff see (kbtool.search.api.search_rows): one row per entry, its best hit first and the
   * entry's other hits folded under it; a row whose best hit holds only what its whole entry holds
   * opens with the entry's first item; close rows before weak ones, the preferred channel first.
   * `found` is what search() returned, `hits` its hits after any ranking by meaning.
   */
  Index.prototype.rows = function (found, hits, prefer, limit) {
    var self = this, coverage = found.coverage, groups = new Map();
    hits.forEach(function (hit) {
      var entry = self.docEntry[hit[0]], group = groups.get(entry);
      if (!group) groups.set(entry, group = []);
      group.push(hit);
    });
    function judged(hit) {
      var share = coverage.has(hit[0]) ? coverage.get(hit[0]) : 0;
      return { doc: hit[0], score: hit[1], coverage: share, close: self.isClose(share), more: [] };
    }
    var swaps = [];
    groups.forEach(function (group, entry) {
      var lead = group[0][0], opening = self.entryFirst[entry];
      if (coverage.has(lead) && opening !== lead) swaps.push([entry, lead, opening]);
    });
    var swapTo = new Map();
    if (swaps.length) {
      // The lead gives way to its entry's opening item only when it holds the query's words only in
      // the fields the whole entry shares, and the opening holds every one of them there too
      // (api.group_by_entry).
      var wanted = [];
      swaps.forEach(function (s) { wanted.push(s[1], s[2]); });
      var shared = this.restricted(found.slots, this.core.entryFields);
      var held = this.credits(shared, wanted);
      var own = this.heldIn(found.slots, swaps.map(function (s) { return s[1]; }), this.core.itemFields);
      swaps.forEach(function (s) {
        var lead = held.get(s[1]), opening = held.get(s[2]);
        var dominates = lead.every(function (credit, i) { return opening[i] >= credit; });
        if (!own.has(s[1]) && coverage.get(s[1]) && dominates) swapTo.set(s[0], s[2]);
      });
    }
    var rows = [];
    groups.forEach(function (group, entry) {
      var lead = judged(group[0]);
      if (swapTo.has(entry)) lead.doc = swapTo.get(entry);
      lead.more = group.filter(function (hit) { return hit[0] !== lead.doc; }).map(judged);
      rows.push(lead);
    });
    var bits = this.core.channelBits, preferBit = prefer ? (bits[prefer] || 0) : 0;
    var spoken = prefer && this.core.spoken.indexOf(prefer) !== -1, written = 0;
    this.core.writtenOnly.forEach(function (c) { written |= bits[c] || 0; });
    function tier(row) {
      if (!prefer) return 0;
      var channels = self.entryChannels[self.docEntry[row.doc]];
      if (channels & preferBit) return 0;
      if (spoken && channels && (channels & ~written) === 0) return 2;
      return 1;
    }
    rows.forEach(function (row, i) { row.order = i; row.tier = tier(row); });
    rows.sort(function (a, b) { return (a.close === b.close ? 0 : a.close ? -1 : 1) || a.tier - b.tier || a.order - b.order; });
    return rows.slice(0, limit || rows.length);
  };

  /** The slots with each leaf looking only in the fields named (api._restricted). */
  Index.prototype.restricted = function (slots, names) {
    var self = this, keep = new Set(names.map(function (name) { return self.fields.indexOf(name); }));
    return slots.map(function (slot) {
      return { word: slot.word, weight: slot.weight, leaves: slot.leaves.map(function (leaf) {
        return { member: leaf.member, fields: leaf.fields.filter(function (f) { return keep.has(f); }), credit: leaf.credit };
      }) };
    });
  };

  /** Which of `docs` hold any of the query's words in the fields named (api._held_in). */
  Index.prototype.heldIn = function (slots, docs, names) {
    var self = this, found = new Set(), only = this.restricted(slots, names);
    for (var s = 0; s < only.length; s++) {
      for (var l = 0; l < only[s].leaves.length; l++) {
        var asking = docs.filter(function (doc) { return !found.has(doc); });
        if (!asking.length) return found;
        self.holding(only[s].leaves[l].member, only[s].leaves[l].fields, asking).forEach(function (doc) { found.add(doc); });
      }
    }
    return found;
  };

  /** The [termId, field] postings a plan reads (phrases come precomputed). */
  Index.prototype.termsOf = function (leaves) {
    var self = this, pairs = [];
    leaves.forEach(function (leaf) {
      if (leaf[1].length !== 1) return;
      var id = self.termId(leaf[1][0]);
      if (id >= 0 && self.df(id, leaf[0])) pairs.push([id, leaf[0]]);
    });
    return pairs;
  };

  /** Stems within `maxdist` edits of `stem` (same first letter) that a field holds: a fuzzy term. */
  Index.prototype.near = function (stem, maxdist, field) {
    var key = stem + "\u0000" + maxdist + "\u0000" + field, out = this.nearCache.get(key);
    if (out) return out;
    out = [];
    var first = stem.codePointAt(0), terms = this.terms, df = this.termDf, nf = this.nf;
    for (var id = 0; id < terms.length; id++) {
      var term = terms[id];
      if (term.codePointAt(0) !== first || !df[id * nf + field]) continue;
      if (distance(term, stem, maxdist) <= maxdist) out.push(id);
    }
    if (this.nearCache.size > 2000) this.nearCache.clear();
    this.nearCache.set(key, out);
    return out;
  };

  /** The last resort when nothing matched: every word fuzzy (api._fuzzy_all). */
  Index.prototype.fuzzyPlan = function (query) {
    var self = this, leaves = [], seen = new Set();
    surfaceWords(query).forEach(function (word) {
      var stem = stemWord(word);
      if (stem === null || codePoints(stem).length < 3) return;
      var maxdist = codePoints(stem).length < 6 ? 1 : 2;
      self.allFields.forEach(function (f) {
        var weight = self.fieldBoosts[f], key = f + "\u0000" + stem + "\u0000" + weight + "\u0000" + maxdist;
        if (seen.has(key)) return;
        seen.add(key);
        leaves.push({ field: f, weight: weight, terms: self.near(stem, maxdist, f) });
      });
    });
    return leaves;
  };

  Index.prototype.filterFor = function (filters) {
    filters = filters || {};
    var kinds = null, self = this;
    if (filters.kind) {
      var units = this.core.kindAliases[filters.kind] || [filters.kind];
      kinds = new Set(units.map(function (k) { return self.kindNames.indexOf(k); }));
    }
    var channel = filters.channel ? (this.core.channelBits[filters.channel] || -1) : 0;
    var situation = filters.situation ? (this.situationIndex.get(filters.situation) || -1) : 0;
    if (!kinds && !channel && !situation) return null;
    return function (doc) {
      if (kinds && !kinds.has(self.docKinds[doc])) return false;
      var entry = self.docEntry[doc];
      if (channel && (channel < 0 || !(self.entryChannels[entry] & channel))) return false;
      if (situation && self.entrySituations[entry] !== situation) return false;
      return true;
    };
  };

  /** Add `scores` x `weight` into the accumulator (the ArrayUnionMatcher's a[i] += score * boost). */
  Index.prototype._accumulate = function (docs, scores, weight, state) {
    var acc = this.acc, touched = this.touched;
    for (var i = 0; i < docs.length; i++) {
      var doc = docs[i];
      if (acc[doc] === 0) touched[state.count++] = doc;
      acc[doc] += scores[i] * weight;
    }
  };

  Index.prototype._top = function (state, filter, limit) {
    var acc = this.acc, touched = this.touched, best = [];
    for (var i = 0; i < state.count; i++) {
      var doc = touched[i], score = acc[doc];
      acc[doc] = 0;
      if (filter && !filter(doc)) continue;
      // Best first; equal scores in document order (Whoosh's collector).
      if (best.length === limit) {
        var last = best[limit - 1];
        if (score < last[1] || (score === last[1] && doc > last[0])) continue;
      }
      var at = best.length;
      while (at > 0 && (best[at - 1][1] < score || (best[at - 1][1] === score && best[at - 1][0] > doc))) at--;
      best.splice(at, 0, [doc, score]);
      if (best.length > limit) best.pop();
    }
    return best;
  };

  /** Scores a plan's leaves (their shards must be loaded); returns [[doc, score], ...] best first. */
  Index.prototype.score = function (leaves, filters, limit) {
    var self = this, state = { count: 0 }, filter = this.filterFor(filters);
    leaves.forEach(function (leaf) {
      var field = leaf[0], member = leaf[1], weight = leaf[2];
      if (member.length === 1) {
        var id = self.termId(member[0]);
        if (id < 0 || !self.df(id, field)) return;
        var p = self.scored(id, field);
        self._accumulate(p.docs, p.scores, weight, state);
      } else {
        var index = self.memberIndex.get(member.join(" "));
        var phrase = index === undefined ? null : self.phrases.get(index * self.nf + field);
        if (phrase) self._accumulate(phrase.docs, phrase.scores, weight, state);
      }
    });
    return this._top(state, filter, limit || 10);
  };

  /**
   * Scores the fuzzy fallback as Whoosh does: one expansion scores as a term; two, or any number
   * in an index of over 5,000 documents, add up; three or more in a smaller index count 1 per
   * document (Whoosh's unscored array union for FuzzyTerm's constant score).
   */
  Index.prototype.scoreFuzzy = function (leaves, filters, limit) {
    var self = this, state = { count: 0 }, filter = this.filterFor(filters);
    leaves.forEach(function (leaf) {
      if (!leaf.terms.length) return;
      if (leaf.terms.length === 1 || leaf.terms.length === 2 || self.n > 5000) {
        leaf.terms.forEach(function (id) {
          var p = self.scored(id, leaf.field);
          self._accumulate(p.docs, p.scores, leaf.weight, state);
        });
        return;
      }
      var once = new Set();
      leaf.terms.forEach(function (id) { self.scored(id, leaf.field).docs.forEach(function (d) { once.add(d); }); });
      var docs = Int32Array.from(Array.from(once).sort(function (a, b) { return a - b; }));
      self._accumulate(docs, new Float64Array(docs.length).fill(1), 1, state);
    });
    return this._top(state, filter, limit || 10);
  };

  /** Pages whose titles hold query words: [page, matched words], best first. */
  Index.prototype.matchPages = function (queryStems) {
    var wanted = new Set(queryStems);
    if (!wanted.size) return [];
    var out = [];
    this.pages.forEach(function (page) {
      var have = new Set(page.stems), matched = 0;
      wanted.forEach(function (s) { if (have.has(s)) matched++; });
      if (matched) out.push({ page: page, matched: matched, all: matched === wanted.size });
    });
    out.sort(function (a, b) { return b.matched - a.matched || a.page.title.length - b.page.title.length; });
    return out;
  };

  var DECODE_SLICE = 30000;  // postings decoded in one go before the page gets a turn

  /** Decodes the postings `pairs` need that are not decoded yet, yielding to the page between
   * slices: a query meeting common words for the first time can have 200,000 postings to read,
   * and in one task that would hold up keys and drawing for over 100 ms. */
  Index.prototype.decode = function (pairs) {
    var self = this, i = 0;
    function slice() {
      var done = 0;
      while (i < pairs.length && done < DECODE_SLICE) {
        var key = pairs[i][0] * self.nf + pairs[i][1];
        if (!self.postings.has(key)) { self.scored(pairs[i][0], pairs[i][1]); done += self.termDf[key]; }
        i++;
      }
      if (i >= pairs.length) return Promise.resolve();
      return new Promise(function (resume) { setTimeout(resume, 0); }).then(slice);
    }
    return slice();
  };

  /**
   * A whole query, as `kbtool search` runs it: returns a promise of
   * {hits: [[doc, score]], corrections, didYouMean, fuzzy, stems}. `load(shards)` must resolve
   * once those postings were passed to addShard.
   */
  Index.prototype.search = function (query, filters, limit, load) {
    // A pasted e-mail is cut to the first maxQuery characters, as `kbtool search` cuts it.
    var points = codePoints(query), truncated = points.length > this.core.maxQuery;
    if (truncated) query = points.slice(0, this.core.maxQuery).join("");
    var self = this, plan = this.plan(query);
    function ready(pairs) {
      var missing = self.shardsFor(pairs);
      return (missing.length ? load(missing) : Promise.resolve()).then(function () { return self.decode(pairs); });
    }
    return ready(this.termsOf(plan.leaves)).then(function () {
      var hits = plan.leaves.length ? self.score(plan.leaves, filters, limit) : [];
      if (hits.length >= self.core.fewHits || !surfaceWords(query).length) return [hits, false];
      var fuzzy = self.fuzzyPlan(query), pairs = [];
      fuzzy.forEach(function (leaf) { leaf.terms.forEach(function (id) { pairs.push([id, leaf.field]); }); });
      if (!fuzzy.length) return [hits, false];
      return ready(pairs).then(function () { return [self.scoreFuzzy(fuzzy, filters, limit), true]; });
    }).then(function (result) {
      var didYouMean = null;
      if (plan.corrections.length) {
        // The query with each corrected word replaced where it stands on its own, any case
        // (api.run_query's re.sub of \bword\b); one pass over the tokens, no pattern per word.
        var fixes = new Map(plan.corrections);
        didYouMean = query.replace(TOKEN, function (token) {
          var fixed = fixes.get(token.toLowerCase());
          return fixed === undefined ? token : fixed;
        });
      }
      // Closeness of the lexical hits (never of the fuzzy fallback's: nothing typed matched there).
      var coverage = result[1] ? new Map() : self.coverage(plan.slots, result[0].map(function (h) { return h[0]; }));
      return { hits: result[0], fuzzy: result[1] || plan.corrections.length > 0, corrections: plan.corrections,
               didYouMean: didYouMean, stems: plan.stems, slots: plan.slots, coverage: coverage,
               truncated: truncated };
    });
  };

  var api = { Index: Index, stems: stems, surfaceWords: surfaceWords, fold: fold, porter: porter,
              ratio: ratio, distance: distance, bytes: bytes };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.KbSearchEngine = api;
})(typeof self !== "undefined" ? self : globalThis);
