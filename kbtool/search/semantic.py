"""Meaning-aware ranking for `kbtool search` and `kbtool find`, when `pip install "kbtool[semantic]"` is there.

Static word embeddings (wordllama's `l2_supercat_256`, read straight from the installed wheel, never
from the network) give every document a vector when the index is built; a query's vector is compared
with them all and the similarity is fused with the lexical ranking, so "give me my cash back" finds
"Refunds". Without the extra this module imports nothing beyond the standard library and changes
nothing: `available()` is False, no vectors are written and `fuse` returns the hits it was given.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.search.hits import Hit

if TYPE_CHECKING:  # pragma: no cover - annotations only; numpy is never imported without the extra
    from kbtool.publish.documents import Document

VECTORS_FILE = "semantic-vectors.bin"
TOKENIZER_FILE = "semantic-tokenizer.bin"  # the query tokenizer's tables, sorted (read_tokenizer_tables)
MODEL = "wordllama/l2_supercat_256"
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
_MAGIC = b"KBSEM1\n"
# A document found by meaning alone (no lexical hit) must reach this cosine. Averaged static
# embeddings give nonsense and lone stop words up to ~0.25 on the bundled knowledge base ("the"
# 0.25, "qwzx blorf" 0.16), so below 0.3 a query nothing is about would stop being "nothing found".
FLOOR = 0.3
# The weight of the normalised cosine against the normalised lexical score. On the bundled sets
# 0.5 beat 0.3, 0.75, 1.0 and 1.5 (1.0 was the prototype's choice on another knowledge base whose
# lexical search had no lexicon); see docs/semantic.md for the figures.
WEIGHT = 0.5
# How many lexical hits fusion re-ranks, whatever the caller shows: with only the top 3 to
# re-rank (`--limit 3`), paraphrase recall@3 stayed at the lexical 0.603; from 10 it is 0.690
# (20 gave 0.672).
DEPTH = 10
EMBED_BATCH = 512


def available() -> bool:
    """Whether the extra is installed. Cheap: looks the packages up without importing them."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(name) is not None for name in ("wordllama", "numpy", "tokenizers"))
    except (ImportError, ValueError):
        return False


def enabled(config: Any) -> bool:
    """kb.yaml's `search: {semantic: false}` switches it off; on by default when installed.

    Read tolerantly: a `semantic` attribute on the config if the format declares one, else the raw
    `search:` mapping of kb.yaml's node tree, so the switch works before the format knows the key.
    """
    declared = getattr(config, "semantic", None)
    if isinstance(declared, bool):
        return declared
    value = _raw_search_setting(config, "semantic")
    return not (isinstance(value, str) and value.strip().lower() in ("false", "no", "off"))


def _raw_search_setting(config: Any, name: str) -> Any:
    root = getattr(getattr(config, "source", None), "root", None)
    search = (getattr(root, "items", None) or {}).get("search")
    if not search:
        return None
    setting = (getattr(search[1], "items", None) or {}).get(name)
    return getattr(setting[1], "value", None) if setting else None


# -- the model ----------------------------------------------------------------------------------

def _numpy() -> Any:
    """numpy, with one BLAS thread unless the user chose otherwise.

    A query is one 10,000 x 256 matrix-vector product, bound by memory, not arithmetic: extra
    threads only contend with the terminal and other processes (on a busy 2-core machine, 2
    threads took 4-10 ms where one took 1-3 ms). Only settable before numpy is first imported.
    """
    import sys

    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
    import numpy

    return numpy


def _package_dir() -> Path:
    import importlib.util

    # Located, not imported: importing wordllama pulls in requests and pydantic and calls
    # logging.basicConfig(INFO), none of which a search needs.
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise SemanticError("wordllama is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


class SemanticError(Exception):
    """The model files cannot be read (a damaged or different wordllama install)."""


def _utf8(text: str) -> bytes:
    """UTF-8, a lone surrogate (an undecodable byte of a command line) as U+FFFD, as a browser's
    TextEncoder writes it, so the terminal and the site give such a query the same tokens."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


class BpeTokenizer:
    """Llama 2's byte-fallback BPE in plain Python, read from the wheel's tokenizer file.

    For queries: loading it costs ~30 ms where `tokenizers.Tokenizer.from_file` costs ~80 ms, and
    a query is a few dozen characters, so the quadratic merge loop is far under a millisecond.
    Index builds use the `tokenizers` library (long letters, thousands of documents); a test keeps
    the two identical on every text of the bundled knowledge base.
    """

    def __init__(self, vocab: Any, ranks: Any, unknown: int) -> None:
        # Mappings with `get` and `len`: dicts from the wheel's file, or a build's sorted tables.
        self.vocab, self.ranks, self.unknown = vocab, ranks, unknown

    @classmethod
    def from_file(cls, path: Path) -> BpeTokenizer:
        """The tokenizer in the wheel's tokenizer file."""
        data = json.loads(path.read_bytes())
        model = data["model"]
        normalizers = [n.get("type") for n in (data.get("normalizer") or {}).get("normalizers", [])]
        if (model.get("type") != "BPE" or not model.get("byte_fallback") or data.get("pre_tokenizer")
                or normalizers != ["Prepend", "Replace"]):
            raise SemanticError(f"{path}: not the Llama-style BPE tokenizer kbtool reads")
        vocab: dict[str, int] = model["vocab"]
        merges = model["merges"]
        if merges and not isinstance(merges[0], str):  # newer files store pairs as lists
            merges = [" ".join(pair) for pair in merges]
        ranks = dict(zip(merges, range(len(merges)), strict=True))
        return cls(vocab, ranks, vocab.get(model.get("unk_token") or "<unk>", 0))

    def tables(self) -> tuple[list[str], list[str]]:
        """The vocabulary in id order and the merges in rank order (what the site's copy reads)."""
        tokens = [""] * (max(self.vocab.values(), default=-1) + 1)
        for token, number in self.vocab.items():
            tokens[number] = token
        return tokens, sorted(self.ranks, key=self.ranks.__getitem__)

    def ids(self, text: str) -> list[int]:
        if not text:
            return []
        parts = list("\u2581" + text.replace(" ", "\u2581"))
        ranks = self.ranks
        while len(parts) > 1:
            # The lowest-ranked adjacent pair merges first, the leftmost on a tie (as `tokenizers`).
            best, best_rank = -1, len(ranks)
            for i in range(len(parts) - 1):
                rank = ranks.get(f"{parts[i]} {parts[i + 1]}")
                if rank is not None and rank < best_rank:
                    best, best_rank = i, rank
            if best < 0:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        vocab = self.vocab
        out: list[int] = []
        for part in parts:
            found = vocab.get(part)
            if found is not None:
                out.append(found)
            else:  # a character outside the vocabulary: its UTF-8 bytes, as byte tokens
                out.extend(vocab.get(f"<0x{byte:02X}>", self.unknown) for byte in _utf8(part))
        return out


class _SortedTable:
    """A read-only str -> int mapping over keys sorted as UTF-8, found by bisection and remembered.

    A cold search tokenizes one query: turning the tokenizer file into two dicts (32,000 tokens,
    61,000 merges) cost more than the whole query, and even splitting them into strings cost 8 ms,
    so the keys stay one block of bytes with an offset table, and a lookup slices what it compares.
    """

    def __init__(self, blob: bytes, offsets: Sequence[int], values: Sequence[int]) -> None:
        self.blob, self.offsets, self.values = blob, offsets, values
        self._seen: dict[str, int | None] = {}

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index: int) -> bytes:  # what bisect compares
        return self.blob[self.offsets[index]:self.offsets[index + 1]]

    def get(self, key: str, default: int | None = None) -> int | None:
        found = self._seen.get(key, -1)
        if found == -1:
            from bisect import bisect_left

            try:
                wanted = key.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: no key holds one
                found = self._seen[key] = None
            else:
                at = bisect_left(self, wanted)
                found = self._seen[key] = self.values[at] if at < len(self) and self[at] == wanted else None
        return default if found is None else found


_TABLES_MAGIC = b"KBBPE1\n"


def write_tokenizer_tables(path: Path, tokenizer: BpeTokenizer) -> None:
    """The tokenizer's vocabulary and merges sorted, for `read_tokenizer_tables`: per table the keys'
    UTF-8 bytes back to back, their offsets (u32, one more than the keys) and their values (u32)."""
    path.write_bytes(_tables_bytes(tokenizer))


@lru_cache(maxsize=1)  # 0.1 s, the same every build: `kbtool serve` rebuilds the index on every edit
def _tables_bytes(tokenizer: BpeTokenizer) -> bytes:
    parts: list[bytes] = []
    counts = []
    for table in (tokenizer.vocab, tokenizer.ranks):
        keys = sorted(key.encode("utf-8") for key in table)
        offsets = [0]
        for key in keys:
            offsets.append(offsets[-1] + len(key))
        parts += [b"".join(keys), struct.pack(f"<{len(offsets)}I", *offsets),
                  struct.pack(f"<{len(keys)}I", *(table[key.decode("utf-8")] for key in keys))]
        counts.append(len(keys))
    header = json.dumps({"model": MODEL, "unknown": tokenizer.unknown, "counts": counts,
                         "sizes": [len(part) for part in parts]}).encode("utf-8")
    return _TABLES_MAGIC + struct.pack("<Q", len(header)) + header + b"".join(parts)


def read_tokenizer_tables(path: Path) -> BpeTokenizer | None:
    """The tokenizer `write_tokenizer_tables` stored, or None if the file is missing or not one."""
    import sys
    from array import array

    try:
        data = path.read_bytes()
        if not data.startswith(_TABLES_MAGIC):
            return None
        start = len(_TABLES_MAGIC) + 8
        (size,) = struct.unpack("<Q", data[len(_TABLES_MAGIC):start])
        header = json.loads(data[start:start + size])
        if header.get("model") != MODEL or len(header["sizes"]) != 6 or sum(header["sizes"]) != len(data) - start - size:
            return None
        at, parts = start + size, []
        for part_size in header["sizes"]:
            parts.append(data[at:at + part_size])
            at += part_size
        tables = []
        for count, (blob, offset_bytes, value_bytes) in zip(header["counts"], (parts[:3], parts[3:]), strict=True):
            offsets, values = array("I", offset_bytes), array("I", value_bytes)
            if sys.byteorder == "big":
                offsets.byteswap()
                values.byteswap()
            if len(values) != count or len(offsets) != count + 1 or offsets[-1] != len(blob):
                return None
            tables.append(_SortedTable(blob, offsets, values))
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return None  # missing or damaged: the wheel's own file still serves
    return BpeTokenizer(tables[0], tables[1], int(header["unknown"]))


@dataclass(frozen=True)
class Model:
    """The token embedding table (fp16, memory-mapped) and the tokenizer that indexes it."""

    table: Any  # numpy array, vocabulary x dimensions
    folder: Path

    @property
    def tokenizer(self) -> BpeTokenizer:
        """The plain-Python tokenizer, read on first use: index builds use the library's instead."""
        return _bpe_tokenizer(self.folder)

    def token_ids(self, texts: Sequence[str], fast: bool = False,
                  tokenizer: BpeTokenizer | None = None) -> list[list[int]]:
        """Token ids per text; `fast` uses the `tokenizers` library (worth its load for many texts)."""
        if fast:
            return [e.ids for e in _library_tokenizer(self.folder).encode_batch(list(texts), add_special_tokens=False)]
        tokenizer = tokenizer or self.tokenizer
        return [tokenizer.ids(text) for text in texts]

    def embed(self, texts: Sequence[str], fast: bool = False, tokenizer: BpeTokenizer | None = None) -> Any:
        """Unit vectors (float32 rows), each the mean of its text's token embeddings."""
        import numpy as np

        return self.embed_into(np.zeros((len(texts), self.table.shape[1]), dtype=np.float32), texts, fast, tokenizer)

    def embed_into(self, out: Any, texts: Sequence[str], fast: bool = False,
                   tokenizer: BpeTokenizer | None = None) -> Any:
        """`embed` written into `out` (any float dtype, one row per text), a batch at a time."""
        import numpy as np

        top = self.table.shape[0] - 1
        # In batches: the tokenizers library returns a heavy object per text (tokens, offsets,
        # masks), and tokenizing 47,500 documents at once held hundreds of megabytes of them.
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            rows = np.zeros((len(batch), self.table.shape[1]), dtype=np.float32)
            for row, token_ids in enumerate(self.token_ids(batch, fast, tokenizer)):
                ids = [i for i in token_ids if 0 <= i <= top]
                if ids:
                    rows[row] = self.table[ids].astype(np.float32).mean(axis=0)
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            np.divide(rows, norms, out=rows, where=norms > 0)
            out[start:start + len(batch)] = rows
        return out


@lru_cache(maxsize=1)
def _bpe_tokenizer(folder: Path) -> BpeTokenizer:
    try:
        return BpeTokenizer.from_file(folder.joinpath(*_TOKENIZER))
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise SemanticError(f"the wordllama tokenizer under {folder} cannot be read ({exc})") from None


@lru_cache(maxsize=1)
def _library_tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder.joinpath(*_TOKENIZER)))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    # The BPE model caches every word it has split; indexing 47,500 documents that cache held some
    # 140 MB and saved no time (4.3 s of CPU without it, 4.8 s with). A private method, hence getattr.
    resize_cache = getattr(tokenizer.model, "_resize_cache", None)
    if resize_cache is not None:
        resize_cache(0)
    return tokenizer


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The wheel's weights and tokenizer, read from disk: no download, no `import wordllama`."""
    np = _numpy()
    folder = _package_dir()
    weights = folder.joinpath(*_WEIGHTS)
    try:
        with weights.open("rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(size))
        tensor = header["embedding.weight"]
        if tensor["dtype"] != "F16":
            raise SemanticError(f"{weights}: expected fp16 weights, found {tensor['dtype']}")
        start, end = tensor["data_offsets"]
        rows, dims = tensor["shape"]
        if (end - start) != rows * dims * 2:
            raise SemanticError(f"{weights}: the table's size does not match its shape")
        # Memory-mapped: a query touches a few dozen rows, so the 16 MB table is never read whole.
        table = np.memmap(weights, dtype="<f2", mode="r", offset=8 + size + start, shape=(rows, dims))
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise SemanticError(f"the wordllama model files under {folder} cannot be read ({exc})") from None
    return Model(table, folder)


def document_text(doc: Document) -> str:
    """What a document's vector stands for: what it is called, what it says and its labels."""
    return "\n".join(part for part in (doc.title, doc.say, *doc.keywords, *doc.customer_says, doc.topic) if part)


# -- the vectors file ---------------------------------------------------------------------------
# Layout: magic, header length (u64), JSON header {model, dims, count, dtype, keys_bytes} padded
# with spaces to a 64-byte boundary, `count` x `dims` unit vectors (float32, "f4"), the keys
# (newline before and after each, `keys_bytes` long), `count + 1` record offsets (u64), then one
# JSON record per document (what a Hit shows and what filters read). Records are parsed only for
# documents that reach the results, so a cold search reads little but the vectors. Earlier builds
# kept keys and offsets as lists in the header ("keys", "records"), and the oldest stored half
# precision with no dtype; both still read.

def _key(entry: str, item: str | None, kind: str) -> str:
    return f"{entry}\x1f{item or ''}\x1f{kind}"


def _record(doc: Document) -> dict[str, Any]:
    return {"id": doc.entry, "item": doc.item, "kind": doc.kind, "title": doc.title, "text": doc.say,
            "path": doc.path, "line": doc.line, "url": doc.url, "entry_title": doc.entry_title,
            "channels": list(doc.channels), "situation": doc.situation, "tags": list(doc.tags),
            "notes": list(doc.notes)}


def embed_documents(docs: Sequence[Document]) -> Any:
    """Each document's unit vector, rounded to half precision (numpy, one row per document).

    The vectors file and the site both hold exactly these values, so the site's ranking by meaning
    is the terminal's.
    """
    return embed_texts([document_text(d) for d in docs])


def embed_texts(texts: Sequence[str]) -> Any:
    """`embed_documents` for the documents' texts (`document_text`)."""
    model = load_model()
    np = _numpy()
    # Straight into half precision, a batch of texts at a time: a float32 copy of 47,500 vectors,
    # every text and every record at once were some 100 MB more at 10,000 entries.
    vectors = np.zeros((len(texts), model.table.shape[1]), dtype="<f2")
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start:start + EMBED_BATCH]
        model.embed_into(vectors[start:start + len(batch)], batch, fast=True)
    return vectors


def build_vectors(index_dir: Path, documents: Iterable[Document], config: Any = None) -> Path | None:
    """Write the documents' vectors beside the index in `index_dir`; returns the file.

    Does nothing (None) when the extra is not installed or kb.yaml switches it off. The file is
    written under a temporary name and renamed, so a reader never sees half of it.
    """
    if not available() or (config is not None and not enabled(config)):
        return None
    import shutil
    import tempfile

    docs = list(documents)
    vectors = embed_documents(docs)
    index_dir = Path(index_dir)
    offsets = [0]
    with tempfile.TemporaryFile(dir=index_dir) as records:
        for doc in docs:
            record = json.dumps(_record(doc), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            records.write(record)
            offsets.append(offsets[-1] + len(record))
        # Keys and offsets as plain bytes, not JSON lists: parsing 47,500 of each was some 20 ms of a
        # cold search that looks up ten. Each key is fenced by newlines so a lookup finds it whole.
        keys = ("\n" + "".join(_key(d.entry, d.item, d.kind) + "\n" for d in docs)).encode("utf-8")
        table = struct.pack(f"<{len(offsets)}Q", *offsets)
        header = json.dumps({"model": MODEL, "dims": int(vectors.shape[1]), "count": len(docs), "dtype": "f4",
                             "keys_bytes": len(keys)}, separators=(",", ":")).encode("utf-8")
        # Padded (JSON allows trailing spaces) so the vectors start on a 64-byte boundary: numpy
        # multiplies an unaligned array without BLAS, 4x slower (33 ms instead of 8 at 10,000 entries).
        header += b" " * (-(len(_MAGIC) + 8 + len(header)) % 64)
        fd, tmp = tempfile.mkstemp(prefix=".semantic-", dir=index_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                f.write(struct.pack("<Q", len(header)))
                f.write(header)
                # Stored as float32, twice the size of the half precision held here, so that a
                # search maps the file and multiplies in place: converting 47,500 vectors at open
                # took 55 ms of a cold search's CPU.
                for row in range(0, len(vectors), 4096):
                    f.write(vectors[row:row + 4096].astype("<f4").tobytes())
                f.write(keys)
                f.write(table)
                records.seek(0)
                shutil.copyfileobj(records, f, 1 << 20)
            tables = index_dir / f".{TOKENIZER_FILE}.tmp"
            write_tokenizer_tables(tables, load_model().tokenizer)
            os.replace(tables, index_dir / TOKENIZER_FILE)
            os.replace(tmp, index_dir / VECTORS_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            (index_dir / f".{TOKENIZER_FILE}.tmp").unlink(missing_ok=True)
            raise
    return index_dir / VECTORS_FILE


@dataclass
class Vectors:
    """An index's document vectors, their keys and (parsed on demand) their records."""

    matrix: Any  # numpy float32, count x dims, unit rows
    key_text: bytes  # every key with a newline before and after
    offsets: Sequence[int]
    blob: Any  # the file (bytes or a read-only map); records start at `base`
    _records: dict[int, dict[str, Any]]
    base: int = 0
    _rows: dict[str, int] | None = None
    _lookups: int = 0
    tokenizer: BpeTokenizer | None = None  # the build's query tokenizer; None: the wheel's file

    @property
    def count(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def keys(self) -> list[str]:
        return self.key_text.decode("utf-8").split("\n")[1:-1]

    def row(self, key: str) -> int | None:
        """The row of the document `key` names, None if the build has no such document.

        A cold search looks up about ten: each is found in the key text (a fraction of a
        millisecond); a reader that keeps going (find, a benchmark) gets a table after 64.
        """
        if self._rows is None and self._lookups < 64:
            self._lookups += 1
            at = self.key_text.find(b"\n" + key.encode("utf-8") + b"\n")
            return None if at < 0 else self.key_text.count(b"\n", 0, at)
        if self._rows is None:
            self._rows = {}
            for number, name in enumerate(self.keys):
                self._rows.setdefault(name, number)  # the first, as the key text's search finds
        return self._rows.get(key)

    def record(self, row: int) -> dict[str, Any]:
        """The stored record of a row; a forged or damaged one is a SemanticError (run kbtool index)."""
        found = self._records.get(row)
        if found is None:
            start, end = self.base + self.offsets[row], self.base + self.offsets[row + 1]
            try:
                if not self.base <= start <= end <= len(self.blob):
                    raise ValueError("a record's offsets run backwards or past the end")
                found = json.loads(self.blob[start:end])
                _check_record(found)
            except (ValueError, TypeError, KeyError) as exc:
                raise SemanticError(f"the meaning vectors are damaged ({exc})") from None
            self._records[row] = found
        return found


# What a Hit is made from (`_hit`): each field and its type.
_RECORD_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (str,), "item": (str, type(None)), "kind": (str,), "title": (str,), "text": (str,), "path": (str,),
    "line": (int,), "url": (str,), "entry_title": (str,), "channels": (list,), "situation": (str,),
    "tags": (list,), "notes": (list,)}


def _check_record(record: Any) -> None:
    if not isinstance(record, dict):
        raise ValueError("a record is not an object")
    for name, types in _RECORD_FIELDS.items():
        if not isinstance(record.get(name), types) or isinstance(record.get(name), bool):
            raise ValueError(f"a record's {name!r} is missing or of the wrong type")
    for name in ("channels", "tags", "notes"):
        if not all(isinstance(value, str) for value in record[name]):
            raise ValueError(f"a record's {name!r} holds something other than text")


_OPEN: dict[tuple[str, int, int], Vectors] = {}


def open_vectors(index_dir: Path) -> Vectors | None:
    """The vectors of the build in `index_dir`, None when it has none (built without the extra,
    switched off, or by another model). Kept open per file, for the TUI and benchmarks."""
    path = Path(index_dir) / VECTORS_FILE
    try:
        stat = path.stat()
    except OSError:
        # A retired build is removed after its grace period while `kbtool find` may still be
        # reading it (Whoosh keeps its files open); the vectors read earlier stay good for it.
        return next((v for (name, _, _), v in _OPEN.items() if name == str(path)), None)
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    if cache_key in _OPEN:
        return _OPEN[cache_key]
    np = _numpy()
    import mmap

    try:
        # Mapped, not read: the vectors are used where they lie and only the records of hits are read.
        with path.open("rb") as handle:
            data: Any = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if stat.st_size else b""
        if data[:len(_MAGIC)] != _MAGIC:
            return None
        start = len(_MAGIC) + 8
        (size,) = struct.unpack("<Q", data[len(_MAGIC):start])
        header = json.loads(data[start:start + size])
        if header.get("model") != MODEL:
            return None
        count, dims = header["count"], header["dims"]
        dtype = {"f2": "<f2", "f4": "<f4"}.get(header.get("dtype", "f2"))  # older builds: half precision
        if dtype is None:
            return None
        begin = start + size
        end = begin + count * dims * np.dtype(dtype).itemsize
        matrix = np.frombuffer(data, dtype=dtype, count=count * dims, offset=begin).reshape(count, dims)
        if "keys_bytes" in header:
            key_end = end + header["keys_bytes"]
            key_text = bytes(data[end:key_end])
            offsets: Sequence[int] = struct.unpack_from(f"<{count + 1}Q", data, key_end)
            end = key_end + 8 * (count + 1)
            ok = key_text.count(b"\n") == count + 1 and key_text[:1] == b"\n"
        else:  # an earlier build: keys and offsets in the header
            keys, offsets = header["keys"], header["records"]
            key_text = ("\n" + "".join(key + "\n" for key in keys)).encode("utf-8")
            ok = len(keys) == count and len(offsets) == count + 1
        if not ok or len(offsets) != count + 1 or end + offsets[-1] > len(data):
            raise ValueError("its parts do not add up")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, struct.error) as exc:
        # Cut short or overwritten (a full disk, a copy interrupted): say so, never a traceback.
        raise SemanticError(f"the meaning vectors in {path} are damaged ({exc})") from None
    if dtype != "<f4" or not matrix.flags.aligned:  # older builds: converted (or copied) once
        matrix = matrix.astype(np.float32)
    # Read now, like the vectors: a retired build's folder may be gone by the first query.
    vectors = Vectors(matrix, key_text, offsets, data, {}, end,
                      tokenizer=read_tokenizer_tables(path.with_name(TOKENIZER_FILE)))
    _OPEN.clear()  # one build at a time: a rebuilt index replaces the old one
    _OPEN[cache_key] = vectors
    return vectors


# -- querying -----------------------------------------------------------------------------------

def similarities(query: str, vectors: Vectors) -> Any:
    """The cosine of `query` with every document (numpy float32 array)."""
    return vectors.matrix @ load_model().embed([query], tokenizer=vectors.tokenizer)[0]


def _passes(record: dict[str, Any], filt: Any) -> bool:
    if filt is None:
        return True
    kinds = getattr(filt, "kinds", ())
    if kinds and record["kind"] not in kinds:
        return False
    channel = getattr(filt, "channel", None)
    if channel and channel not in record["channels"]:
        return False
    situation = getattr(filt, "situation", None)
    if situation and record["situation"] != situation:
        return False
    tag = getattr(filt, "tag", None)
    return not (tag and tag.lower() not in {t.lower() for t in record["tags"]})


def _hit(record: dict[str, Any], score: float) -> Hit:
    return Hit(id=record["id"], item=record["item"], kind=record["kind"], title=record["title"],
               text=record["text"], path=record["path"], line=int(record["line"]), score=score,
               url=record["url"], entry_title=record["entry_title"], channels=tuple(record["channels"]),
               situation=record["situation"], tags=tuple(record["tags"]), notes=tuple(record["notes"]))


def candidates(query: str, index_dir: Path, limit: int, filt: Any = None,
               floor: float = FLOOR) -> list[tuple[Hit, float]]:
    """Documents whose cosine with `query` reaches `floor`, best first: found by meaning alone,
    even when they share no word with the query. Each with its cosine (also the Hit's score)."""
    vectors = open_vectors(index_dir)
    if vectors is None or not query.strip():
        return []
    return _above_floor(similarities(query, vectors), vectors, limit, filt, floor)


def _above_floor(sims: Any, vectors: Vectors, limit: int, filt: Any, floor: float) -> list[tuple[Hit, float]]:
    import numpy as np

    # Only the rows above the floor are sorted: usually a handful, never the whole index.
    rows = np.flatnonzero(sims >= floor)
    out: list[tuple[Hit, float]] = []
    for row in rows[np.argsort(-sims[rows], kind="stable")]:
        record = vectors.record(int(row))
        if _passes(record, filt):
            cosine = float(sims[row])
            out.append((_hit(record, cosine), cosine))
            if len(out) >= limit:
                break
    return out


def lexical_depth(index_dir: Path, limit: int) -> int:
    """How many lexical hits to collect for `limit` results: more when fusion will re-rank them,
    exactly `limit` when this build has no vectors (so nothing changes without the extra)."""
    path = Path(index_dir) / VECTORS_FILE
    has_vectors = path.exists() or any(name == str(path) for name, _, _ in _OPEN)
    return max(limit, DEPTH) if has_vectors else limit


def fuse(query: str, hits: list[Hit], index_dir: Path, limit: int, filt: Any = None,
         floor: float = FLOOR, weight: float = WEIGHT) -> list[Hit]:
    """The lexical `hits` re-ranked with meaning, plus documents found by meaning alone.

    Score = lexical / best lexical + weight x cosine / best cosine. Every lexical hit is re-ranked
    (they already matched a word); a document with no lexical hit joins only when its cosine
    reaches `floor`, so a query nothing is about keeps exactly its lexical hits (usually none:
    exit 1 and the miss log, as without the extra). Without vectors the hits come back unchanged.
    """
    from dataclasses import replace

    vectors = open_vectors(index_dir)
    if vectors is None or not query.strip() or not vectors.count:
        return hits[:limit]
    sims = similarities(query, vectors)
    best_cos = float(sims.max())
    found = _above_floor(sims, vectors, limit, filt, floor)
    if best_cos <= 0 or (not hits and not found):
        return hits[:limit]
    best_lex = max((h.score for h in hits), default=0.0) or 1.0
    scored: dict[str, tuple[float, Hit]] = {}
    for hit in hits:
        key = _key(hit.id, hit.item, hit.kind)
        row = vectors.row(key)
        cosine = max(float(sims[row]), 0.0) if row is not None else 0.0
        scored[key] = (hit.score / best_lex + weight * cosine / best_cos, hit)
    for hit, cosine in found:
        key = _key(hit.id, hit.item, hit.kind)
        if key not in scored:
            scored[key] = (weight * cosine / best_cos, hit)
    # Ties keep the lexical order (sorted is stable and lexical hits come first).
    ranked = sorted(scored.values(), key=lambda pair: -pair[0])[:limit]
    return [replace(hit, score=score) for score, hit in ranked]


__all__ = ["available", "enabled", "embed_documents", "build_vectors", "open_vectors", "candidates", "lexical_depth", "fuse",
           "load_model", "FLOOR", "WEIGHT", "DEPTH", "VECTORS_FILE", "SemanticError"]
