"""Image preprocessing, exactly as docs/model-package.md section 2, plus a cached data set loader.

decode (PIL) -> 16-bit samples to their high byte -> integer grey as PIL's convert("L")
-> exact integer area resize to S x S -> float32 in [0, 1]. S is 64 (the fixed view every image
gets, and every modality's input unless the package declares its `input_size`, format version 3).
"""
from __future__ import annotations

import hashlib
import os

import numpy as np
from PIL import Image

OUT_SIZE = 64
MAX_SIDE = 8192
MAX_FILE_BYTES = 64 * 1024 * 1024
PREPROCESS_VERSION = "pil-L/area-exact/v0"


class PreprocessError(ValueError):
    pass


def _signature_ok(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"BM")


def decode_grey(path: str) -> np.ndarray:
    """Return the 8-bit grey image (H x W, uint8) of a PNG, JPEG or BMP file, with the limits."""
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise PreprocessError(f"{path}: file is {size} bytes, expected at most {MAX_FILE_BYTES}")
    with open(path, "rb") as f:
        head = f.read(16)
    if not _signature_ok(head):
        raise PreprocessError(f"{path}: not a PNG, JPEG or BMP file")
    with Image.open(path) as im:
        w, h = im.size
        if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
            raise PreprocessError(f"{path}: image is {w}x{h}, expected each side in 1..{MAX_SIDE}")
        im.load()
        return grey_from_pil(im)


def grey_from_pil(im: Image.Image) -> np.ndarray:
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: the high byte (PIL gives 'I' for some 16-bit PNGs; values are still 16-bit).
        a = np.asarray(im).astype(np.int64)
        return (np.clip(a, 0, 65535) >> 8).astype(np.uint8)
    if mode in ("L", "1"):
        return np.asarray(im.convert("L"), dtype=np.uint8)
    if mode == "LA":
        return np.asarray(im, dtype=np.uint8)[:, :, 0].copy()
    if mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
        mode = im.mode
    if mode not in ("RGB", "RGBA"):
        im = im.convert("RGB")
    a = np.asarray(im, dtype=np.int64)
    r, g, b = a[:, :, 0], a[:, :, 1], a[:, :, 2]
    return ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16).astype(np.uint8)


def _overlap(n_src: int, n_out: int) -> np.ndarray:
    """o[j][k]: overlap of source span [k*n_out, (k+1)*n_out) and output span [j*n_src, (j+1)*n_src)."""
    k = np.arange(n_src, dtype=np.int64)
    j = np.arange(n_out, dtype=np.int64)
    lo = np.maximum(k[None, :] * n_out, j[:, None] * n_src)
    hi = np.minimum((k[None, :] + 1) * n_out, (j[:, None] + 1) * n_src)
    return np.maximum(hi - lo, 0)


def area_resize(grey: np.ndarray, out_w: int = OUT_SIZE, out_h: int = OUT_SIZE) -> np.ndarray:
    """Exact integer area resize of an 8-bit grey image to out_h x out_w float32 in [0, 1]."""
    h, w = grey.shape
    ox = _overlap(w, out_w)  # [out_w, W]
    oy = _overlap(h, out_h)  # [out_h, H]
    # Every partial sum is an integer below 255 * W * H <= 1.7e10 < 2^53: float64 products are exact.
    num = oy.astype(np.float64) @ grey.astype(np.float64) @ ox.T.astype(np.float64)
    num = np.rint(num).astype(np.int64)
    return (num.astype(np.float64) / float(255 * w * h)).astype(np.float32)


def preprocess_file(path: str, size: int = OUT_SIZE) -> np.ndarray:
    """The vision graph's input for one file: float32 [size, size] in [0, 1]."""
    return area_resize(decode_grey(path), size, size)


def load_images(data_root: str, rel_paths: list[str], cache_dir: str | None, size: int = OUT_SIZE) -> np.ndarray:
    """Preprocess many files (paths relative to data_root) into float32 [N, size, size], cached as .npy (the
    cache key names the size)."""
    key = hashlib.sha256((PREPROCESS_VERSION + f"\n{size}x{size}\n" + os.path.abspath(data_root) + "\n"
                          + "\n".join(rel_paths)).encode()).hexdigest()[:20]
    cache = os.path.join(cache_dir, f"images-{size}-{key}.npy") if cache_dir else None
    if cache and os.path.exists(cache):
        arr = np.load(cache)
        if arr.shape == (len(rel_paths), size, size):
            return arr
    arr = np.stack([preprocess_file(os.path.join(data_root, p), size) for p in rel_paths]) if rel_paths \
        else np.zeros((0, size, size), np.float32)
    if cache:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp.npy"   # per process: two runs may fill one cache entry at once
        np.save(tmp, arr)
        os.replace(tmp, cache)
    return arr
