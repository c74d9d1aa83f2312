"""A first, approximate pass of nearest-neighbour search over int8 copies of the vectors.

numpy's float32 product of 100,000 vectors with For You's seven seeds took 20 ms on two
cores (BLAS packs the whole matrix for a product that thin), and picking each seed's best
another 1 ms a seed. onnxruntime's integer product (MLAS, with VNNI where the CPU has it)
reads a quarter of the bytes and takes each column's top k in the same call: 3 to 5 ms
(a For You ranking's seeds over the bench's 100,000 posts, on two threads). Codes are
exact to half a step (a step is 1/127 of the largest component seen, with room to grow:
about 0.002 for MiniLM), so a cosine is off by a few thousandths at most; the caller takes
a few more than it needs from here and ranks those exactly.

The graph (MatMulInteger, then TopK down the rows) is written here as ONNX protobuf bytes,
so no `onnx` package is needed to make it.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

OFFSET = 128  # codes are stored as uint8: the int8 value plus this (MatMulInteger's zero point)
HEADROOM = 1.25  # the range is set this much wider than the largest component seen
_UINT8, _INT8, _INT32, _INT64 = 2, 3, 6, 7  # ONNX TensorProto element types


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, value: bytes | str | int) -> bytes:
    """One protobuf field: an int as a varint, bytes and strings length-delimited."""
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _tensor(name: str, elem_type: int, rank: int) -> bytes:
    """A ValueInfoProto: a tensor of this type and rank, its sizes left open."""
    shape = b"".join(_field(1, _field(2, f"{name}{d}")) for d in range(rank))
    tensor_type = _field(1, elem_type) + _field(2, shape)
    return _field(1, name) + _field(2, _field(1, tensor_type))


def _node(op: str, inputs: list[str], outputs: list[str], **ints: int) -> bytes:
    attributes = b"".join(_field(5, _field(1, k) + _field(3, v) + _field(20, 2))  # type INT
                          for k, v in ints.items())
    return (b"".join(_field(1, i) for i in inputs) + b"".join(_field(2, o) for o in outputs)
            + _field(4, op) + attributes)


def graph_bytes() -> bytes:
    """codes (rows, dim) uint8, queries (dim, n) int8, zero point, k -> each column's k best
    rows: scores (k, n) int32 and rows (k, n) int64."""
    graph = (_field(1, _node("MatMulInteger", ["codes", "queries", "zero"], ["scores_all"]))
             + _field(1, _node("TopK", ["scores_all", "k"], ["scores", "rows"], axis=0,
                               sorted=0))
             + _field(2, "int8_top_k")
             + _field(11, _tensor("codes", _UINT8, 2)) + _field(11, _tensor("queries", _INT8, 2))
             + _field(11, _tensor("zero", _UINT8, 0)) + _field(11, _tensor("k", _INT64, 1))
             + _field(12, _tensor("scores", _INT32, 2)) + _field(12, _tensor("rows", _INT64, 2)))
    opset = _field(1, "") + _field(2, 17)
    return _field(1, 8) + _field(8, opset) + _field(7, graph)  # IR version 8, opset 17


_SESSION: Any = None  # onnxruntime's InferenceSession, made on first use
_SESSION_LOCK = threading.Lock()


def _session() -> Any:
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            # Two threads that sleep when idle (onnxruntime's spin by default): the pass is
            # memory-bound and a request waits on it (7 seeds over 100,000 rows in a
            # ranking: 6.4 ms on one thread, 4.7 on two), but the cores are shared with the
            # event loop and the worker.
            options.intra_op_num_threads = 2
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            _SESSION = ort.InferenceSession(graph_bytes(), options,
                                            providers=["CPUExecutionProvider"])
        return _SESSION


def step_for(largest: float) -> float:
    """The value of one code step for vectors whose largest component is `largest`."""
    return max(largest, 1e-6) * HEADROOM / 127


def encode(vectors: np.ndarray, step: float) -> np.ndarray:
    """uint8 codes of float32 rows (clipped to the range)."""
    return (np.clip(np.rint(vectors / step), -127, 127) + OFFSET).astype(np.uint8)


def top_rows(codes: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """For each query (rows of `queries`), the rows of `codes` with the k highest
    approximate dot products, in no particular order: an int64 array (n, k)."""
    k = min(k, len(codes))
    if not k or not len(queries):
        return np.zeros((len(queries), 0), np.int64)
    largest = np.abs(queries).max(axis=1, keepdims=True)
    scaled = np.rint(queries / np.maximum(largest, 1e-12) * 127).astype(np.int8)
    feed = {"codes": codes, "queries": np.ascontiguousarray(scaled.T),
            "zero": np.array(OFFSET, np.uint8), "k": np.array([k], np.int64)}
    rows = _session().run(["rows"], feed)[0]
    return np.ascontiguousarray(rows.T)
