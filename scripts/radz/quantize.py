"""Weight-only quantization of the exported graphs and of the token embedding table
(docs/model-package.md sections 3 and 8). numpy + onnx.helper only.

    stats = quantize_int8("decoder.fp32.onnx", "decoder.int8.onnx")   # DequantizeLinear, per channel
    stats = quantize_int4("decoder.fp32.onnx", "decoder.int4.onnx")   # com.microsoft.MatMulNBits
    share = quantized_share([vision_stats, decoder_stats])            # manifest variants.<v>.quantized_share
    blob = quantize_embeddings_int8(table)                             # embeddings_dtype int8_rowwise

    /usr/bin/python3 -m radz.quantize int8|int4 SRC DST        (from scripts/; prints the stats)

A *weight* is an initializer (or a large Constant node, moved to an initializer first) used as
MatMul input B, Gemm input B, or Conv input W. torch's export may feed a MatMul weight through
Transpose(perm [1, 0]): when the initializer has no other consumer the Transpose is folded into
a transposed initializer first. A weight shared by several nodes is quantized once when all its
uses agree on the output-channel axis; otherwise, and for weights of other dtypes or ranks,
below `min_elements`, also graph inputs/outputs, used by other ops, or used by an op named in
`keep_float` (the caller's choice, e.g. ("Conv",)), it is left in float32 and listed in
stats["skipped"] with the reason. Only the main graph is rewritten (not If/Loop bodies).

int8 (all three ops): q = clip(rint(w / s), -127, 127) with a float32 scale per output channel,
s = max|w| / 127 over the channel (1.0 for an all-zero channel), zero point int8 0, and
`DequantizeLinear(q, s, zp, axis)` producing a tensor of the weight's name, so every consumer is
unchanged. Channel axis: MatMul B [K, N] -> 1; Gemm B -> 0 if transB else 1; Conv W -> 0.

int4 (MatMul only; Gemm and Conv weights and MatMul weights that cannot be 4-bit get int8):
`com.microsoft.MatMulNBits(A, B, scales, zero_points)` with attributes K, N, bits=4, block_size,
following ONNX Runtime's contrib operator spec: the weight is taken as W^T [N, K] and cut along
K into n_blocks = ceil(K / block_size) blocks (the last padded with zeros); per block
asymmetric min/max quantization over [min(w, 0), max(w, 0)]: s = (hi - lo) / 15 (1.0 if 0),
zp = clip(rint(-lo / s), 0, 15), q = clip(rint(w / s) + zp, 0, 15), w' = (q - zp) * s;
B uint8 [N, n_blocks, block_size / 2], two codes per byte, the first of each pair in the low
nibble; scales float32 [N * n_blocks]; zero_points uint8 [N * ceil(n_blocks / 2)], packed the
same way per row of N. The model gets the `com.microsoft` opset 1 import.

stats (one dict per graph):
  mode, src, dst, bytes_before, bytes_after (file sizes),
  matmul_gemm_weight_bytes (float32 bytes of every MatMul/Gemm weight, quantized or not),
  matmul_gemm_quantized_bytes (float32 bytes of those quantized), quantized_share (their
  ratio; 0.0 when the graph has no MatMul/Gemm weight), conv_weight_bytes,
  conv_quantized_bytes, folded_transposes, checker ("ok", or why onnx.checker was not applied),
  quantized: [{name, ops, shape, form, bytes_fp32,
  bytes_stored}], skipped: [{name, ops, shape, reason}].
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS_DOMAIN = "com.microsoft"
WEIGHT_OPS = ("MatMul", "Gemm", "Conv")


class QuantizeError(ValueError):
    """A graph or table that cannot be quantized as asked; the message names it."""


# ---------------------------------------------------------------------------------------------
# per-channel int8 and 4-bit block arithmetic

def int8_per_channel(w: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 along `axis` (the output channel): returns (q int8 like w, scale float32 [C])."""
    w = np.asarray(w, dtype=np.float32)
    other = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.abs(w).max(axis=other).astype(np.float32)
    scale = (amax / np.float32(127.0)).astype(np.float32)
    scale[scale == 0] = 1.0
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w.astype(np.float64) / scale.reshape(shape).astype(np.float64)), -127, 127)
    return q.astype(np.int8), scale


def int4_blocks(w_nk: np.ndarray, block_size: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """4-bit asymmetric blocks along K of W^T [N, K]: returns (codes uint8 [N, n_blocks, block_size]
    in 0..15, scales float32 [N, n_blocks], zero points uint8 [N, n_blocks])."""
    n, k = w_nk.shape
    n_blocks = (k + block_size - 1) // block_size
    padded = np.zeros((n, n_blocks * block_size), dtype=np.float32)
    padded[:, :k] = w_nk
    blocks = padded.reshape(n, n_blocks, block_size).astype(np.float64)
    lo = np.minimum(blocks.min(axis=2), 0.0)
    hi = np.maximum(blocks.max(axis=2), 0.0)
    scale = ((hi - lo) / 15.0).astype(np.float32)
    scale[scale == 0] = 1.0
    s64 = scale.astype(np.float64)
    zp = np.clip(np.rint(-lo / s64), 0, 15)
    codes = np.clip(np.rint(blocks / s64[:, :, None]) + zp[:, :, None], 0, 15)
    return codes.astype(np.uint8), scale, zp.astype(np.uint8)


def pack_nibbles(codes: np.ndarray) -> np.ndarray:
    """Pack 4-bit codes along the last axis, the first of each pair in the low nibble
    (an odd count gets a zero high nibble)."""
    if codes.shape[-1] % 2:
        codes = np.concatenate([codes, np.zeros(codes.shape[:-1] + (1,), dtype=np.uint8)], axis=-1)
    return (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)


def matmulnbits_dequantize(b_packed: np.ndarray, scales: np.ndarray, zero_points: np.ndarray,
                           k: int, n: int, block_size: int) -> np.ndarray:
    """The float32 [K, N] weight a MatMulNBits node (bits 4) computes with; for checks."""
    n_blocks = (k + block_size - 1) // block_size
    b = b_packed.reshape(n, n_blocks, block_size // 2)
    codes = np.stack([b & 0x0F, b >> 4], axis=-1).reshape(n, n_blocks, block_size).astype(np.float32)
    zpb = zero_points.reshape(n, -1)
    zp = np.stack([zpb & 0x0F, zpb >> 4], axis=-1).reshape(n, -1)[:, :n_blocks].astype(np.float32)
    s = scales.reshape(n, n_blocks).astype(np.float32)
    w = (codes - zp[:, :, None]) * s[:, :, None]
    return np.ascontiguousarray(w.reshape(n, n_blocks * block_size)[:, :k].T)


# ---------------------------------------------------------------------------------------------
# graph analysis

class _Graph:
    """Name bookkeeping over one onnx GraphProto."""

    def __init__(self, graph: onnx.GraphProto):
        self.g = graph
        self.inits: Dict[str, onnx.TensorProto] = {t.name: t for t in graph.initializer}
        self.inputs = {v.name for v in graph.input}
        self.outputs = {v.name for v in graph.output}
        self.names = set(self.inits) | self.inputs | self.outputs
        for node in graph.node:
            self.names.update(node.input)
            self.names.update(node.output)
        self.consumers: Dict[str, List[Tuple[onnx.NodeProto, int]]] = defaultdict(list)
        self.producer: Dict[str, onnx.NodeProto] = {}
        self.subgraph_refs = _subgraph_inputs(graph)
        self.names |= self.subgraph_refs
        self.refresh()

    def refresh(self) -> None:
        self.consumers = defaultdict(list)
        self.producer = {}
        for node in self.g.node:
            for i, name in enumerate(node.input):
                if name:
                    self.consumers[name].append((node, i))
            for name in node.output:
                self.producer[name] = node

    def unique(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            name = f"{base}_{i}"
            i += 1
        self.names.add(name)
        return name

    def add_init(self, name: str, arr: np.ndarray) -> None:
        t = numpy_helper.from_array(arr, name)
        self.g.initializer.append(t)
        self.inits[name] = t

    def remove_init(self, name: str) -> None:
        for i, t in enumerate(self.g.initializer):
            if t.name == name:
                del self.g.initializer[i]
                break
        self.inits.pop(name, None)


def _subgraph_inputs(graph: onnx.GraphProto) -> set:
    """Every name read by a node inside an If/Loop/Scan body of this graph (at any depth)."""
    names = set()

    def walk(g: onnx.GraphProto) -> None:
        for node in g.node:
            names.update(node.input)
            for a in node.attribute:
                for sub in ([a.g] if a.type == onnx.AttributeProto.GRAPH else
                            list(a.graphs) if a.type == onnx.AttributeProto.GRAPHS else []):
                    walk(sub)

    for node in graph.node:
        for a in node.attribute:
            for sub in ([a.g] if a.type == onnx.AttributeProto.GRAPH else
                        list(a.graphs) if a.type == onnx.AttributeProto.GRAPHS else []):
                walk(sub)
    return names


def _attr(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _constants_to_initializers(gr: _Graph, min_elements: int) -> None:
    """Move float32 Constant nodes of at least min_elements values into initializers."""
    keep = []
    moved = False
    for node in gr.g.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx") and len(node.attribute) == 1 \
                and node.attribute[0].name == "value":
            t = node.attribute[0].t
            dims = list(t.dims)
            if t.data_type == TensorProto.FLOAT and int(np.prod(dims)) >= min_elements \
                    and node.output[0] not in gr.outputs:
                gr.add_init(node.output[0], numpy_helper.to_array(t).astype(np.float32))
                moved = True
                continue
        keep.append(node)
    if moved:
        del gr.g.node[:]
        gr.g.node.extend(keep)
        gr.refresh()


def _is_transpose_2d(node: onnx.NodeProto) -> bool:
    perm = _attr(node, "perm")
    return node.op_type == "Transpose" and (perm is None or list(perm) == [1, 0])


def _fold_transposes(gr: _Graph) -> int:
    """Transpose(perm [1, 0]) of a 2-D float32 initializer that nothing else reads becomes a
    transposed initializer named as the Transpose's output. Returns how many were folded."""
    folded = 0
    keep = []
    for node in gr.g.node:
        src = node.input[0] if node.input else ""
        if _is_transpose_2d(node) and src in gr.inits and src not in gr.inputs and src not in gr.outputs \
                and src not in gr.subgraph_refs and node.output[0] not in gr.subgraph_refs \
                and len(gr.consumers[src]) == 1 and gr.inits[src].data_type == TensorProto.FLOAT \
                and len(gr.inits[src].dims) == 2:
            w = numpy_helper.to_array(gr.inits[src])
            gr.remove_init(src)
            gr.add_init(node.output[0], np.ascontiguousarray(w.T))
            folded += 1
            continue
        keep.append(node)
    if folded:
        del gr.g.node[:]
        gr.g.node.extend(keep)
        gr.refresh()
    return folded


def _weight_axis(node: onnx.NodeProto, idx: int) -> Optional[int]:
    """Output-channel axis if (node, input idx) is a weight use, else None."""
    if node.domain not in ("", "ai.onnx"):
        return None
    if node.op_type == "MatMul" and idx == 1:
        return 1
    if node.op_type == "Gemm" and idx == 1:
        return 0 if _attr(node, "transB", 0) else 1
    if node.op_type == "Conv" and idx == 1:
        return 0
    return None


class _Weight:
    def __init__(self, name: str, tensor: onnx.TensorProto, uses):
        self.name = name
        self.tensor = tensor
        self.uses = uses                      # [(node, idx, axis or None)]
        self.shape = list(tensor.dims)
        self.elements = int(np.prod(self.shape)) if self.shape else 1
        self.ops = sorted({n.op_type for n, _, _ in uses})
        self.weight_ops = sorted({n.op_type for n, _, a in uses if a is not None})
        self.is_matmul_gemm = any(n.op_type in ("MatMul", "Gemm") for n, _, a in uses if a is not None)

    @property
    def bytes_fp32(self) -> int:
        return 4 * self.elements

    def axes(self) -> set:
        return {a for _, _, a in self.uses if a is not None}


def _find_weights(gr: _Graph) -> List[_Weight]:
    out = []
    for name, t in gr.inits.items():
        uses = [(n, i, _weight_axis(n, i)) for n, i in gr.consumers.get(name, [])]
        if any(a is not None for _, _, a in uses):
            out.append(_Weight(name, t, uses))
    return out


def _skip_reason(gr: _Graph, w: _Weight, min_elements: int, keep_float: Sequence[str] = ()) -> Optional[str]:
    kept = sorted({n.op_type for n, _, _ in w.uses if n.op_type in keep_float})
    if kept:
        return f"a {'/'.join(kept)} weight, kept in float32 (keep_float)"
    if w.tensor.data_type != TensorProto.FLOAT:
        return f"dtype {TensorProto.DataType.Name(w.tensor.data_type)}, not FLOAT"
    if w.tensor.data_location == TensorProto.EXTERNAL:
        return "external data"
    if w.name in gr.inputs:
        return "also a graph input (overridable)"
    if w.name in gr.outputs:
        return "also a graph output"
    if w.name in gr.subgraph_refs:
        return "also read inside an If/Loop/Scan body"
    others = sorted({f"{n.op_type}:{i}" for n, i, a in w.uses if a is None})
    if others:
        return f"also used by {', '.join(others)}"
    if w.elements < min_elements:
        return f"{w.elements} elements < min_elements {min_elements}"
    if any(n.op_type in ("MatMul", "Gemm") for n, _, _ in w.uses) and len(w.shape) != 2:
        return f"MatMul/Gemm weight of rank {len(w.shape)}, expected 2"
    if any(n.op_type == "Conv" for n, _, _ in w.uses) and len(w.shape) < 3:
        return f"Conv weight of rank {len(w.shape)}, expected >= 3"
    if len(w.axes()) != 1:
        return f"uses disagree on the output-channel axis ({sorted(w.axes())})"
    return None


# ---------------------------------------------------------------------------------------------
# rewriting

def _quantize_weight_int8(gr: _Graph, w: _Weight, new_nodes: List[onnx.NodeProto]) -> int:
    axis = next(iter(w.axes()))
    arr = numpy_helper.to_array(w.tensor).astype(np.float32)
    q, scale = int8_per_channel(arr, axis)
    qn = gr.unique(w.name + "_quantized")
    sn = gr.unique(w.name + "_scale")
    zn = gr.unique(w.name + "_zero_point")
    gr.remove_init(w.name)
    gr.add_init(qn, q)
    gr.add_init(sn, scale)
    gr.add_init(zn, np.zeros(scale.shape, dtype=np.int8))
    new_nodes.append(helper.make_node("DequantizeLinear", [qn, sn, zn], [w.name], axis=axis,
                                      name=gr.unique(w.name + "_dequantize")))
    return q.nbytes + scale.nbytes + scale.size


def _int4_reason(w: _Weight, block_size: int, ranks: Dict[str, int]) -> Optional[str]:
    """Why this (int8-eligible) weight cannot become MatMulNBits, or None."""
    if any(n.op_type != "MatMul" for n, _, _ in w.uses):
        return "not only MatMul B"
    for n, _, _ in w.uses:
        r = ranks.get(n.input[0])
        if r is not None and r < 2:
            return f"MatMul input A '{n.input[0]}' of rank {r}"
    return None


def _quantize_weight_int4(gr: _Graph, w: _Weight, block_size: int) -> int:
    arr = numpy_helper.to_array(w.tensor).astype(np.float32)      # [K, N]
    k, n = arr.shape
    codes, scale, zp = int4_blocks(np.ascontiguousarray(arr.T), block_size)
    n_blocks = codes.shape[1]
    b = pack_nibbles(codes)                                          # [N, n_blocks, block/2]
    zp_packed = pack_nibbles(zp).reshape(-1)                         # [N * ceil(n_blocks/2)]
    bn = gr.unique(w.name + "_q4")
    sn = gr.unique(w.name + "_q4_scales")
    zn = gr.unique(w.name + "_q4_zero_points")
    gr.remove_init(w.name)
    gr.add_init(bn, b)
    gr.add_init(sn, scale.reshape(n * n_blocks))
    gr.add_init(zn, zp_packed)
    for node, _, _ in w.uses:
        a, y = node.input[0], node.output[0]
        name = node.name
        del node.input[:]
        del node.output[:]
        del node.attribute[:]
        node.op_type = "MatMulNBits"
        node.domain = MS_DOMAIN
        node.input.extend([a, bn, sn, zn])
        node.output.append(y)
        node.attribute.extend([helper.make_attribute("K", k), helper.make_attribute("N", n),
                               helper.make_attribute("bits", 4),
                               helper.make_attribute("block_size", block_size)])
        node.name = name
    return b.nbytes + scale.nbytes + zp_packed.nbytes


def _value_ranks(model: onnx.ModelProto) -> Dict[str, int]:
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:
        return {}
    ranks = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        t = v.type.tensor_type
        if t.HasField("shape"):
            ranks[v.name] = len(t.shape.dim)
    return ranks


def _quantize(src, dst, mode: str, min_elements: int, block_size: int, keep_float: Sequence[str] = ()) -> dict:
    if not os.path.isfile(src):
        raise QuantizeError(f"{src}: file not found")
    try:
        model = onnx.load(str(src))
    except Exception as e:
        raise QuantizeError(f"{src}: not a readable ONNX model ({e})") from None
    if mode == "int4" and (block_size < 16 or block_size & (block_size - 1)):
        raise QuantizeError(f"block_size: expected a power of two >= 16, found {block_size}")
    bad = sorted(set(keep_float) - set(WEIGHT_OPS))
    if bad:
        raise QuantizeError(f"keep_float: expected ops among {', '.join(WEIGHT_OPS)}, found {', '.join(bad)}")
    gr = _Graph(model.graph)
    _constants_to_initializers(gr, min_elements)
    folded = _fold_transposes(gr)
    ranks = _value_ranks(model) if mode == "int4" else {}

    stats = {"mode": mode, "src": str(src), "dst": str(dst), "bytes_before": os.path.getsize(src),
             "block_size": block_size if mode == "int4" else None, "min_elements": min_elements,
             "keep_float": sorted(keep_float), "folded_transposes": folded, "matmul_gemm_weight_bytes": 0, "matmul_gemm_quantized_bytes": 0,
             "conv_weight_bytes": 0, "conv_quantized_bytes": 0, "quantized": [], "skipped": []}
    dq_nodes: List[onnx.NodeProto] = []
    uses_ms = False
    for w in sorted(_find_weights(gr), key=lambda x: x.name):
        group = "matmul_gemm" if w.is_matmul_gemm else "conv"
        if w.tensor.data_type == TensorProto.FLOAT:
            stats[f"{group}_weight_bytes"] += w.bytes_fp32
        reason = _skip_reason(gr, w, min_elements, keep_float)
        if reason is not None:
            stats["skipped"].append({"name": w.name, "ops": w.ops, "shape": w.shape, "reason": reason})
            continue
        form = f"int8-axis{next(iter(w.axes()))}"
        note = None
        if mode == "int4" and "MatMul" in w.weight_ops:
            note = _int4_reason(w, block_size, ranks)
            if note is None:
                stored = _quantize_weight_int4(gr, w, block_size)
                form = f"int4-block{block_size}"
                uses_ms = True
        if not form.startswith("int4"):
            stored = _quantize_weight_int8(gr, w, dq_nodes)
        entry = {"name": w.name, "ops": w.ops, "shape": w.shape, "form": form,
                 "bytes_fp32": w.bytes_fp32, "bytes_stored": stored}
        if note:
            entry["int8_because"] = note
        stats["quantized"].append(entry)
        stats[f"{group}_quantized_bytes"] += w.bytes_fp32

    if dq_nodes:
        rest = list(gr.g.node)
        del gr.g.node[:]
        gr.g.node.extend(dq_nodes + rest)
    if uses_ms and not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    total = stats["matmul_gemm_weight_bytes"]
    stats["quantized_share"] = stats["matmul_gemm_quantized_bytes"] / total if total else 0.0
    try:
        onnx.checker.check_model(model)
        stats["checker"] = "ok"
    except onnx.checker.ValidationError as e:
        try:
            onnx.checker.check_model(onnx.load(str(src)))
        except onnx.checker.ValidationError as e_src:
            stats["checker"] = f"not run: the source fails onnx.checker too ({str(e_src).splitlines()[0]})"
        else:
            raise QuantizeError(f"{dst}: quantized graph fails onnx.checker: {str(e).splitlines()[0]}") from None
    onnx.save(model, str(dst))
    stats["bytes_after"] = os.path.getsize(dst)
    return stats


def quantize_int8(src, dst, min_elements: int = 1024, keep_float: Sequence[str] = ()) -> dict:
    """Weight-only int8 (DequantizeLinear, per output channel) of MatMul/Gemm/Conv weights; the
    weights of the ops in keep_float (e.g. ("Conv",)) stay float32."""
    return _quantize(src, dst, "int8", min_elements, 0, keep_float)


def quantize_int4(src, dst, block_size: int = 32, min_elements: int = 1024, keep_float: Sequence[str] = ()) -> dict:
    """MatMul weights as com.microsoft.MatMulNBits (4-bit blocks); Gemm/Conv weights as int8
    (those of the ops in keep_float stay float32)."""
    return _quantize(src, dst, "int4", min_elements, block_size, keep_float)


def quantized_share(stats: Sequence[dict]) -> float:
    """Share of MatMul/Gemm weight bytes quantized over several graphs (a variant's vision and
    decoder): the manifest's variants.<v>.quantized_share."""
    total = sum(s["matmul_gemm_weight_bytes"] for s in stats)
    done = sum(s["matmul_gemm_quantized_bytes"] for s in stats)
    return done / total if total else 0.0


# ---------------------------------------------------------------------------------------------
# embedding table (embeddings_dtype "int8_rowwise")

def quantize_embeddings_int8(table: np.ndarray) -> bytes:
    """Token embedding table [V, D] float32 -> the `int8_rowwise` file bytes.

    Layout (docs/model-package.md section 3): V float32 scales, then V*D int8, little-endian,
    row-major; a reader computes e[v][d] = float32(scale[v] * q[v][d]).
    Per row, symmetric: scale = float32(max|row| / 127), q = clip(rint(row / scale), -127, 127)
    (rint: round half to even, in float64); an all-zero row gets scale 1.0 and q = 0, so every
    scale is positive and finite. -128 is never used.
    """
    t = np.asarray(table)
    if t.ndim != 2 or t.shape[0] < 1 or t.shape[1] < 1:
        raise QuantizeError(f"embedding table: expected shape [V, D] with V, D >= 1, found {list(t.shape)}")
    if t.dtype != np.float32:
        raise QuantizeError(f"embedding table: expected dtype float32, found {t.dtype}")
    if not np.all(np.isfinite(t)):
        raise QuantizeError("embedding table: non-finite values")
    q, scale = int8_per_channel(t, axis=0)
    return scale.astype("<f4").tobytes() + q.tobytes()


def dequantize_embeddings_int8(blob: bytes, V: int, D: int) -> np.ndarray:
    """The `int8_rowwise` bytes -> float32 [V, D], exactly as the C++ core computes it."""
    want = 4 * V + V * D
    if len(blob) != want:
        raise QuantizeError(f"int8_rowwise embeddings: expected {want} bytes for V={V}, D={D}, found {len(blob)}")
    scale = np.frombuffer(blob, dtype="<f4", count=V).astype(np.float32)
    q = np.frombuffer(blob, dtype=np.int8, offset=4 * V, count=V * D).reshape(V, D)
    return (scale[:, None] * q.astype(np.float32)).astype(np.float32)


def _main() -> int:
    import argparse
    import json
    ap = argparse.ArgumentParser(description="weight-only quantization of an ONNX graph (docs/model-package.md section 8)")
    ap.add_argument("mode", choices=["int8", "int4"])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--min-elements", type=int, default=1024)
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--keep-float", default="", help="ops whose weights stay float32, comma-separated (e.g. Conv)")
    args = ap.parse_args()
    keep = [x for x in args.keep_float.split(",") if x]
    try:
        if args.mode == "int8":
            stats = quantize_int8(args.src, args.dst, args.min_elements, keep)
        else:
            stats = quantize_int4(args.src, args.dst, args.block_size, args.min_elements, keep)
    except QuantizeError as e:
        print(f"quantize: {e}")
        return 1
    print(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
