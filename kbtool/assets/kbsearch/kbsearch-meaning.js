/*
 * Meaning-aware ranking for the site search, when kb.yaml asks for it (search: semantic_site: true).
 *
 * The same steps as kbtool.search.semantic (the [semantic] extra of `kbtool search`): Llama 2's
 * byte-fallback BPE splits the query into tokens, the query's vector is the mean of its tokens'
 * rows of the embedding table (half precision, as the wordllama wheel stores them), every
 * document's cosine is its dot product with that unit vector, and `fuse` re-ranks the lexical
 * hits exactly as semantic.fuse does. The data comes from kbtool.sitesearch.meaning; nothing here
 * touches the page, so a test can run it anywhere.
 */
(function (root) {
  "use strict";

  var HALF = null;

  /** Every half-precision bit pattern's value (IEEE 754 binary16), built once. */
  function halfValues() {
    if (HALF) return HALF;
    HALF = new Float32Array(65536);
    for (var h = 0; h < 65536; h++) {
      var exponent = (h >> 10) & 31, fraction = h & 1023, value;
      if (exponent === 0) value = fraction * Math.pow(2, -24);
      else if (exponent === 31) value = fraction ? NaN : Infinity;
      else value = (1 + fraction / 1024) * Math.pow(2, exponent - 15);
      HALF[h] = h & 0x8000 ? -value : value;
    }
    return HALF;
  }

  /** Base64 of little-endian half-precision numbers, as float32 values (exact: every half is one). */
  function halves(base64, bytes) {
    var data = bytes(base64), values = halfValues(), out = new Float32Array(data.length >> 1);
    for (var i = 0; i < out.length; i++) out[i] = values[data[2 * i] | (data[2 * i + 1] << 8)];
    return out;
  }

  var encoder = typeof TextEncoder !== "undefined" ? new TextEncoder() : null;

  function hex(byte) { return (byte < 16 ? "0" : "") + byte.toString(16).toUpperCase(); }

  /** semantic.BpeTokenizer: the lowest-ranked adjacent pair merges first, the leftmost on a tie. */
  function Tokenizer(data) {
    var vocab = this.vocab = new Map();
    data.tokens.forEach(function (token, id) { if (token !== "") vocab.set(token, id); });
    this.ranks = new Map(data.merges.map(function (pair, rank) { return [pair, rank]; }));
    this.unknown = data.unknown;
  }

  Tokenizer.prototype.ids = function (text) {
    if (!text) return [];
    // Code points, as Python iterates a str (a UTF-16 surrogate pair is one character there).
    var parts = Array.from("\u2581" + text.replace(/ /g, "\u2581"));
    var ranks = this.ranks, none = ranks.size;
    while (parts.length > 1) {
      var best = -1, bestRank = none;
      for (var i = 0; i < parts.length - 1; i++) {
        var rank = ranks.get(parts[i] + " " + parts[i + 1]);
        if (rank !== undefined && rank < bestRank) { best = i; bestRank = rank; }
      }
      if (best < 0) break;
      parts.splice(best, 2, parts[best] + parts[best + 1]);
    }
    var out = [], vocab = this.vocab, unknown = this.unknown;
    parts.forEach(function (part) {
      var id = vocab.get(part);
      if (id !== undefined) { out.push(id); return; }
      // A character outside the vocabulary: its UTF-8 bytes, as byte tokens.
      encoder.encode(part).forEach(function (byte) {
        var byteId = vocab.get("<0x" + hex(byte) + ">");
        out.push(byteId === undefined ? unknown : byteId);
      });
    });
    return out;
  };

  /**
   * `spec` is the index core's `meaning`; `tokenizer` the mtok data; `vectorChunks` the mv data in
   * order; `bytes` the engine's base64 decoder. Token rows arrive by chunk (addTokens).
   */
  function Meaning(spec, tokenizer, vectorChunks, bytes) {
    this.spec = spec;
    this.bytes = bytes;
    this.dims = spec.dims;
    this.tokenizer = new Tokenizer(tokenizer);
    this.tokens = new Map();
    var parts = vectorChunks.map(function (chunk) { return halves(chunk, bytes); });
    var total = parts.reduce(function (n, part) { return n + part.length; }, 0);
    this.vectors = new Float32Array(total);
    var at = 0;
    parts.forEach(function (part) { this.vectors.set(part, at); at += part.length; }, this);
    this.count = total / this.dims;
  }

  /** The token-table chunks `ids` need that have not arrived yet. */
  Meaning.prototype.missing = function (ids) {
    var per = this.spec.tokensPerChunk, rows = this.spec.rows, self = this, out = new Set();
    ids.forEach(function (id) {
      var chunk = Math.floor(id / per);
      if (id >= 0 && id < rows && !self.tokens.has(chunk)) out.add(chunk);
    });
    return Array.from(out);
  };

  Meaning.prototype.addTokens = function (chunk, base64) {
    this.tokens.set(chunk, halves(base64, this.bytes));
  };

  /** The query's unit vector (Model.embed: a float32 mean of its rows, then normalised), or null. */
  Meaning.prototype.embed = function (ids) {
    var dims = this.dims, per = this.spec.tokensPerChunk, rows = this.spec.rows;
    var sum = new Float32Array(dims), n = 0;
    for (var k = 0; k < ids.length; k++) {
      var id = ids[k];
      if (id < 0 || id >= rows) continue;
      var table = this.tokens.get(Math.floor(id / per)), offset = (id % per) * dims;
      for (var j = 0; j < dims; j++) sum[j] += table[offset + j];
      n++;
    }
    if (!n) return null;
    var squares = 0;
    for (j = 0; j < dims; j++) { sum[j] = sum[j] / n; squares += sum[j] * sum[j]; }
    var norm = Math.fround(Math.sqrt(squares));
    if (!(norm > 0)) return null;
    for (j = 0; j < dims; j++) sum[j] = sum[j] / norm;
    return sum;
  };

  /** Every document's cosine with the unit vector `query`. */
  Meaning.prototype.similarities = function (query) {
    var dims = this.dims, vectors = this.vectors, out = new Float64Array(this.count);
    for (var doc = 0; doc < this.count; doc++) {
      var dot = 0, offset = doc * dims;
      for (var j = 0; j < dims; j++) dot += vectors[offset + j] * query[j];
      out[doc] = Math.fround(dot);
    }
    return out;
  };

  /** semantic._above_floor: documents at or above the floor, best first, ties in document order. */
  function aboveFloor(sims, floor, limit, filter) {
    var rows = [];
    for (var doc = 0; doc < sims.length; doc++) if (sims[doc] >= floor) rows.push(doc);
    rows.sort(function (a, b) { return sims[b] - sims[a] || a - b; });
    var out = [];
    for (var i = 0; i < rows.length && out.length < limit; i++) {
      if (!filter || filter(rows[i])) out.push([rows[i], sims[rows[i]]]);
    }
    return out;
  }

  /**
   * semantic.fuse: `hits` ([[doc, score]], lexical, best first) re-ranked with meaning, plus the
   * documents found by meaning alone; returns at most `limit` [[doc, score]].
   */
  Meaning.prototype.fuse = function (query, hits, limit, filter) {
    if (!query.trim() || !this.count) return hits.slice(0, limit);
    var vector = this.embed(this.tokenizer.ids(query));
    if (!vector) return hits.slice(0, limit);
    var sims = this.similarities(vector), best = -Infinity;
    for (var doc = 0; doc < sims.length; doc++) if (sims[doc] > best) best = sims[doc];
    var found = aboveFloor(sims, this.spec.floor, limit, filter);
    if (best <= 0 || (!hits.length && !found.length)) return hits.slice(0, limit);
    var bestLex = 0;
    hits.forEach(function (hit) { bestLex = Math.max(bestLex, hit[1]); });
    bestLex = bestLex || 1;
    var weight = this.spec.weight, scored = new Map();
    hits.forEach(function (hit) {
      scored.set(hit[0], hit[1] / bestLex + weight * Math.max(sims[hit[0]], 0) / best);
    });
    found.forEach(function (pair) {
      if (!scored.has(pair[0])) scored.set(pair[0], weight * pair[1] / best);
    });
    // Ties keep the lexical order: the sort is stable and lexical hits come first.
    return Array.from(scored.entries()).sort(function (a, b) { return b[1] - a[1]; }).slice(0, limit);
  };

  var api = { Meaning: Meaning, Tokenizer: Tokenizer, halves: halves };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.KbSearchMeaning = api;
})(typeof self !== "undefined" ? self : globalThis);
