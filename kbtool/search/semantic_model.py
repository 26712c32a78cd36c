"""The [semantic] extra's model: wordllama's static token embeddings and its tokenizer, read offline.

Read straight from the installed wheel, never from the network and without `import wordllama`.
Without the extra, `available()` is False and nothing here imports beyond the standard library.
The vectors file (kbtool.search.semantic_vectors) and the ranking by meaning
(kbtool.search.semantic) build on this module.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from kbtool.publish.documents import Document

MODEL = "wordllama/l2_supercat_256"
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
EMBED_BATCH = 512


def available() -> bool:
    """Whether the extra is installed. Cheap: looks the packages up without importing them."""
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

def numpy_module() -> Any:
    """numpy, with one BLAS thread unless the user chose otherwise.

    A query is one 10,000 x 256 matrix-vector product, bound by memory, not arithmetic: extra
    threads only contend with the terminal and other processes (on a busy 2-core machine, 2
    threads took 4-10 ms where one took 1-3 ms). Only settable before numpy is first imported.
    """
    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
    import numpy  # lazy: the [semantic] extra may be missing, and the thread count is set before the first import

    return numpy


def _package_dir() -> Path:
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
        import numpy as np  # lazy: the [semantic] extra may be missing

        return self.embed_into(np.zeros((len(texts), self.table.shape[1]), dtype=np.float32), texts, fast, tokenizer)

    def embed_into(self, out: Any, texts: Sequence[str], fast: bool = False,
                   tokenizer: BpeTokenizer | None = None) -> Any:
        """`embed` written into `out` (any float dtype, one row per text), a batch at a time."""
        import numpy as np  # lazy: the [semantic] extra may be missing

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
    # lazy: the [semantic] extra may be missing, and only a build uses this tokenizer
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
    np = numpy_module()
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



def embed_documents(docs: Sequence[Document]) -> Any:
    """Each document's unit vector, rounded to half precision (numpy, one row per document).

    The vectors file and the site both hold exactly these values, so the site's ranking by meaning
    is the terminal's.
    """
    return embed_texts([document_text(d) for d in docs])


def embed_texts(texts: Sequence[str]) -> Any:
    """`embed_documents` for the documents' texts (`document_text`)."""
    model = load_model()
    np = numpy_module()
    # Straight into half precision, a batch of texts at a time: a float32 copy of 47,500 vectors,
    # every text and every record at once were some 100 MB more at 10,000 entries.
    vectors = np.zeros((len(texts), model.table.shape[1]), dtype="<f2")
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start:start + EMBED_BATCH]
        model.embed_into(vectors[start:start + len(batch)], batch, fast=True)
    return vectors

