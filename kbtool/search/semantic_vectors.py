"""The [semantic] extra's vectors file: every document's unit vector beside the search index, with
the key and the record a hit is made from, written atomically and mapped, not read, by a search.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import struct
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.search.semantic_model import (
    MODEL,
    BpeTokenizer,
    SemanticError,
    available,
    embed_documents,
    enabled,
    load_model,
    numpy_module,
    read_tokenizer_tables,
    write_tokenizer_tables,
)

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from kbtool.publish.documents import Document

VECTORS_FILE = "semantic-vectors.bin"
TOKENIZER_FILE = "semantic-tokenizer.bin"  # the query tokenizer's tables, sorted (read_tokenizer_tables)
_MAGIC = b"KBSEM1\n"


# Layout: magic, header length (u64), JSON header {model, dims, count, dtype, keys_bytes} padded
# with spaces to a 64-byte boundary, `count` x `dims` unit vectors (float32, "f4"), the keys
# (newline before and after each, `keys_bytes` long), `count + 1` record offsets (u64), then one
# JSON record per document (what a Hit shows and what filters read). Records are parsed only for
# documents that reach the results, so a cold search reads little but the vectors. Earlier builds
# kept keys and offsets as lists in the header ("keys", "records"), and the oldest stored half
# precision with no dtype; both still read.

def vector_key(entry: str, item: str | None, kind: str) -> str:
    return f"{entry}\x1f{item or ''}\x1f{kind}"


def _record(doc: Document) -> dict[str, Any]:
    return {"id": doc.entry, "item": doc.item, "kind": doc.kind, "title": doc.title, "text": doc.say,
            "path": doc.path, "line": doc.line, "url": doc.url, "entry_title": doc.entry_title,
            "channels": list(doc.channels), "situation": doc.situation, "tags": list(doc.tags),
            "notes": list(doc.notes)}



def build_vectors(index_dir: Path, documents: Iterable[Document], config: Any = None) -> Path | None:
    """Write the documents' vectors beside the index in `index_dir`; returns the file.

    Does nothing (None) when the extra is not installed or kb.yaml switches it off. The file is
    written under a temporary name and renamed, so a reader never sees half of it.
    """
    if not available() or (config is not None and not enabled(config)):
        return None

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
        keys = ("\n" + "".join(vector_key(d.entry, d.item, d.kind) + "\n" for d in docs)).encode("utf-8")
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


def is_open(path: Path) -> bool:
    """Whether vectors read from `path` are still held (a retired build's file may be gone)."""
    return any(name == str(path) for name, _, _ in _OPEN)


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
    np = numpy_module()

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
