"""Run ONNX graphs in ONNX Runtime 1.30 (CPU EP) from Python, through node.

There is no onnxruntime Python package here; ONNX Runtime runs under node via
`onnxruntime-node` (node_modules/ at the repo root, installed by scripts/setup.sh). The helper
`ort_run.mjs` beside this file loads graphs and runs them; tensors travel as raw little-endian
.bin files in a private temp folder, requests and replies as JSON lines on stdin/stdout.

    from radz import ort
    out = ort.run("decoder.fp32.onnx", {"inputs_embeds": x, "attention_mask": m, "pool_mask": p})

    with ort.OrtSession(threads=2) as s:      # one node process, sessions cached per graph
        for batch in batches:
            out = s.run("decoder.fp32.onnx", batch, ["image_feature"])
        print(s.last_run_ms)

Supported tensor dtypes: float32, int64, int32, uint8, int8 (inputs are never converted: a
float64 array is refused with an error naming the input). Errors raise `OrtError` (one line,
with the tail of node's stderr when node itself failed) or `FileNotFoundError` for a missing
graph file.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

HELPER = Path(__file__).resolve().with_name("ort_run.mjs")
DTYPES = {"float32", "int64", "int32", "uint8", "int8"}
REPLY_PREFIX = '{"radz_ort":'


class OrtError(RuntimeError):
    """ONNX Runtime (or the node helper around it) refused or failed a run."""


def _find_onnxruntime_node(start: Path) -> Optional[Path]:
    for d in [start, *start.parents]:
        p = d / "node_modules" / "onnxruntime-node" / "package.json"
        if p.is_file():
            return p.parent
    return None


def _check_setup(node: Optional[str]) -> str:
    exe = node or shutil.which("node")
    if not exe:
        raise OrtError("node not found on PATH (needed to run ONNX Runtime): run scripts/setup.sh")
    if not os.access(exe, os.X_OK):
        raise OrtError(f"node: {exe} is not an executable file: run scripts/setup.sh")
    if not HELPER.is_file():
        raise OrtError(f"node helper missing: {HELPER}")
    if _find_onnxruntime_node(HELPER.parent) is None:
        raise OrtError(f"onnxruntime-node not found in a node_modules/ above {HELPER.parent}: run scripts/setup.sh")
    return exe


class OrtSession:
    """One node process running ONNX Runtime; loaded graphs stay cached between runs.

    threads: intra-op threads for every graph run by this session (None: ORT's default).
    config: ONNX Runtime session config entries for every graph, e.g.
    {"session.disable_quant_qdq": "1"}, which lets ORT fold the int8 variant's
    DequantizeLinear of constant weights at load (then it runs as fast as fp32 on CPU).
    timeout_s: limit for one run (graph load included); on timeout the node process is killed
    and OrtError raised; the next run starts a fresh process.
    After each run, `last_run_ms` is the time of ORT's session.run alone and `last_load_ms` the
    time spent loading the graph (0 when it was cached).
    """

    def __init__(self, threads: Optional[int] = None, timeout_s: float = 600.0,
                 start_timeout_s: float = 60.0, node: Optional[str] = None,
                 config: Optional[Dict[str, str]] = None):
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads: expected a positive int or None, found {threads!r}")
        self.threads = threads
        self.config = {str(k): str(v) for k, v in config.items()} if config else None
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.node = _check_setup(node)
        self.ort_version: Optional[str] = None
        self.last_run_ms = 0.0
        self.last_load_ms = 0.0
        self._proc: Optional[subprocess.Popen] = None
        self._replies: "queue.Queue[Optional[str]]" = queue.Queue()
        self._stderr: collections.deque = collections.deque(maxlen=40)
        self._dir: Optional[str] = None
        self._stderr_thread: Optional[threading.Thread] = None
        self._next_id = 0

    # process management ---------------------------------------------------------------

    def _start(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="radz_ort_")
        self._replies = queue.Queue()
        self._stderr = collections.deque(maxlen=40)
        self._proc = subprocess.Popen(
            [self.node, str(HELPER), "--server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        threading.Thread(target=self._pump_stdout, args=(self._proc, self._replies, self._stderr),
                         daemon=True).start()
        self._stderr_thread = threading.Thread(target=self._pump_stderr, args=(self._proc, self._stderr),
                                               daemon=True)
        self._stderr_thread.start()
        msg = self._wait_reply(self.start_timeout_s, "starting onnxruntime-node")
        if "fatal" in msg:
            self.close()
            raise OrtError(msg["fatal"])
        self.ort_version = msg.get("ort_version")

    @staticmethod
    def _pump_stdout(proc, replies, log) -> None:
        for line in proc.stdout:
            if line.startswith(REPLY_PREFIX):
                replies.put(line)
            elif line.strip():
                log.append(line.rstrip("\n"))
        replies.put(None)

    @staticmethod
    def _pump_stderr(proc, log) -> None:
        for line in proc.stderr:
            if line.strip():
                log.append(line.rstrip("\n"))

    def _stderr_tail(self, n: int = 8) -> str:
        tail = list(self._stderr)[-n:]
        return (" | node stderr: " + " / ".join(tail)) if tail else ""

    def _wait_reply(self, timeout_s: float, what: str) -> dict:
        try:
            line = self._replies.get(timeout=timeout_s)
        except queue.Empty:
            self._kill()
            raise OrtError(f"{what}: no reply from node within {timeout_s:.0f} s (process killed)"
                           + self._stderr_tail()) from None
        if line is None:
            rc = self._proc.wait() if self._proc else None
            self._proc = None
            if self._stderr_thread is not None:
                self._stderr_thread.join(timeout=2.0)   # let the last stderr lines arrive
            raise OrtError(f"{what}: node exited (code {rc})" + self._stderr_tail())
        return json.loads(line)

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def close(self) -> None:
        """Stop the node process and remove the temp folder. Safe to call twice."""
        if self._proc is not None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._kill()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> "OrtSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # running ------------------------------------------------------------------------

    def run(self, onnx_path, inputs: Dict[str, np.ndarray],
            output_names: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
        """Run one graph; returns {output name: array} (all outputs when output_names is None)."""
        model = Path(onnx_path).resolve()
        if not model.is_file():
            raise FileNotFoundError(f"graph file not found: {onnx_path}")
        if not isinstance(inputs, dict) or not inputs:
            raise OrtError(f"{onnx_path}: inputs must be a non-empty dict of name -> numpy array")
        if self._proc is None or self._proc.poll() is not None:
            self._proc = None
            self.close()
            self._start()
        self._next_id += 1
        rid = self._next_id
        written: List[Path] = []
        try:
            specs = []
            for i, (name, value) in enumerate(inputs.items()):
                arr = np.asarray(value)
                if arr.dtype.name not in DTYPES:
                    raise OrtError(f"{onnx_path}: input '{name}' has dtype {arr.dtype.name}, "
                                   f"expected one of {', '.join(sorted(DTYPES))}")
                arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
                fname = f"in_{rid}_{i}.bin"
                path = Path(self._dir) / fname
                arr.tofile(path)
                written.append(path)
                specs.append({"name": name, "dtype": arr.dtype.name, "dims": list(arr.shape), "file": fname})
            req = {"id": rid, "model": str(model), "threads": self.threads, "config": self.config, "dir": self._dir,
                   "inputs": specs, "outputs": list(output_names) if output_names is not None else None}
            try:
                self._proc.stdin.write(json.dumps(req) + "\n")
                self._proc.stdin.flush()
            except OSError:
                pass  # the process died: _wait_reply reports it with its stderr
            msg = self._wait_reply(self.timeout_s, f"running {onnx_path}")
            if msg.get("id") != rid:
                self._kill()
                raise OrtError(f"running {onnx_path}: reply for request {msg.get('id')}, expected {rid}")
            if not msg.get("ok"):
                raise OrtError(msg.get("error", "unknown error"))
            out = {}
            for spec in msg["outputs"]:
                path = Path(self._dir) / spec["file"]
                written.append(path)
                data = np.fromfile(path, dtype=np.dtype(spec["dtype"]).newbyteorder("<"))
                out[spec["name"]] = data.reshape(spec["dims"]).astype(spec["dtype"], copy=False)
            self.last_run_ms = float(msg["run_ms"])
            self.last_load_ms = float(msg["load_ms"])
            return out
        finally:
            for p in written:
                try:
                    p.unlink()
                except OSError:
                    pass


def run(onnx_path, inputs: Dict[str, np.ndarray], output_names: Optional[Sequence[str]] = None,
        threads: Optional[int] = None, config: Optional[Dict[str, str]] = None) -> Dict[str, np.ndarray]:
    """Run one graph once in a fresh node process (about 0.7 s of node start and graph load
    here; use OrtSession to run many batches)."""
    with OrtSession(threads=threads, config=config) as s:
        return s.run(onnx_path, inputs, output_names)


def _main() -> int:
    import argparse
    ap = argparse.ArgumentParser(description="time one graph in ONNX Runtime (node) on zero or random inputs")
    ap.add_argument("graph")
    ap.add_argument("--input", action="append", default=[], metavar="NAME:DTYPE:D0,D1,..",
                    help="an input's dtype and shape, e.g. pixels:float32:8,1,64,64")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                    help="an ORT session config entry, e.g. session.disable_quant_qdq=1")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    feeds = {}
    for spec in args.input:
        try:
            name, dtype, dims = spec.split(":")
            shape = [int(d) for d in dims.split(",")]
        except ValueError:
            ap.error(f"--input {spec}: expected NAME:DTYPE:D0,D1,..")
        if dtype == "float32":
            feeds[name] = rng.random(shape, dtype=np.float32)
        else:
            feeds[name] = np.ones(shape, dtype=dtype)
    for c in args.config:
        if "=" not in c:
            ap.error(f"--config {c}: expected KEY=VALUE")
    config = dict(c.split("=", 1) for c in args.config) if args.config else None
    with OrtSession(threads=args.threads, config=config) as s:
        t0 = time.perf_counter()
        try:
            s.run(args.graph, feeds)
        except (OrtError, FileNotFoundError) as e:
            print(f"ort: {e}")
            return 1
        first = time.perf_counter() - t0
        print(f"ort {s.ort_version}: first run {first * 1e3:.1f} ms (load {s.last_load_ms:.1f} ms)")
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = s.run(args.graph, feeds)
            times.append(((time.perf_counter() - t0) * 1e3, s.last_run_ms))
        wall = sorted(t[0] for t in times)[len(times) // 2]
        inner = sorted(t[1] for t in times)[len(times) // 2]
        print(f"median of {args.repeat}: {wall:.2f} ms from Python, {inner:.2f} ms in session.run")
        for k, v in out.items():
            print(f"  {k}: {v.dtype} {list(v.shape)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
