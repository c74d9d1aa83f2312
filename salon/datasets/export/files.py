"""What an export writes: Parquet shards that Hugging Face `datasets` reads with their
features (pictures as `Image`, so a trainer gets decoded pictures, not bytes), written
whole or not at all, and the manifest with every file's SHA-256."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])  # datasets' Image storage
MANIFEST = "manifest.json"


def text() -> tuple[pa.DataType, dict[str, str]]:
    return pa.string(), {"dtype": "string", "_type": "Value"}


def integer() -> tuple[pa.DataType, dict[str, str]]:
    return pa.int64(), {"dtype": "int64", "_type": "Value"}


def number() -> tuple[pa.DataType, dict[str, str]]:
    return pa.float64(), {"dtype": "float64", "_type": "Value"}


def picture() -> tuple[pa.DataType, dict[str, str]]:
    return IMAGE, {"_type": "Image"}


Columns = Sequence[tuple[str, tuple[pa.DataType, dict[str, str]]]]


def schema(columns: Columns) -> pa.Schema:
    """An Arrow schema carrying the `datasets` features, as `Dataset.to_parquet` writes it."""
    features = {name: feature for name, (_, feature) in columns}
    return pa.schema([(name, kind) for name, (kind, _) in columns],
                     metadata={"huggingface": json.dumps({"info": {"features": features}})})


def image_value(data: bytes, name: str) -> dict[str, Any]:
    return {"bytes": data, "path": name}


def write_shard(path: Path, columns: Columns, rows: list[dict[str, Any]]) -> int:
    """Writes `rows` to `path` (through a temporary file, so a shard is whole or absent);
    returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema(columns))
    partial = path.with_suffix(".partial")
    # Pictures are compressed already: no dictionary of them (hashing every picture), and
    # zstd on the rest.
    text_like = [name for name, (kind, _) in columns if kind != IMAGE]
    pq.write_table(table, partial, compression="zstd", use_dictionary=text_like)
    os.replace(partial, path)
    return path.stat().st_size


def read_shard(path: Path) -> pa.Table:
    return pq.read_table(path)


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_manifest(folder: Path) -> dict[str, Any]:
    """manifest.json: every file of the export (but itself) with its size and SHA-256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST
                   and not p.name.startswith("."))
    manifest = {"algorithm": "sha256", "files": {
        str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": sha256(p)}
        for p in files}}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
