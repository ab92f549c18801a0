#!/usr/bin/python3
"""Writes the image test inputs of tests/test_image.cpp into tests/data/images/ and, with a
reference implementation of docs/model-package.md section 2 written here in numpy (PIL decodes),
the expected preprocessed 64x64 pixels in tests/data/images/expected.json.

Run from the repository root: /usr/bin/python3 scripts/make_test_images.py
Deterministic (fixed seeds); rerunning rewrites the same bytes for the same PIL version.
"""
from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

OUT_DIR = Path("tests/data/images")
SIZE = 64


# ---- reference implementation of the contract, section 2 ---------------------------------

def grey_pil_l(img: Image.Image) -> np.ndarray:
    """Steps 3 and 4: 8-bit samples (16-bit -> high byte), then grey as PIL's convert("L")."""
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    a = np.asarray(img)
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        return (a.astype(np.int64) >> 8).astype(np.uint8)
    if mode == "L":
        return a.astype(np.uint8)
    if mode == "1":
        return a.astype(np.uint8) * 255
    if mode == "LA":
        return a[..., 0].astype(np.uint8)
    if mode in ("RGB", "RGBA"):
        r, g, b = (a[..., c].astype(np.int64) for c in range(3))
        return ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16).astype(np.uint8)
    raise ValueError(f"mode {mode} not covered by the reference")


def area_overlaps(n_src: int, n_out: int) -> np.ndarray:
    """o[j][k]: overlap of source cell k ([k*n_out, (k+1)*n_out)) and output cell j ([j*n_src, (j+1)*n_src))."""
    o = np.zeros((n_out, n_src), dtype=np.int64)
    for j in range(n_out):
        lo, hi = j * n_src, (j + 1) * n_src
        for k in range(lo // n_out, (hi + n_out - 1) // n_out):
            o[j, k] = min((k + 1) * n_out, hi) - max(k * n_out, lo)
    return o


def resize_area_exact(grey: np.ndarray, w: int = SIZE, h: int = SIZE) -> np.ndarray:
    """Step 5: exact integer area resize, float32 in [0, 1]."""
    H, W = grey.shape
    num = area_overlaps(H, h) @ grey.astype(np.int64) @ area_overlaps(W, w).T
    return (num.astype(np.float64) / float(255 * W * H)).astype(np.float32)


def preprocess(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        img.load()
        return resize_area_exact(grey_pil_l(img))


# ---- a tiny PNG writer for what PIL cannot write (16-bit RGB, 16-bit grey+alpha) ---------

def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width: int, height: int, bit_depth: int, color_type: int, rows: list[bytes]) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
            + png_chunk(b"IEND", b""))


def png16(arr: np.ndarray, color_type: int) -> bytes:
    h, w = arr.shape[:2]
    big = arr.astype(">u2")
    return png_bytes(w, h, 16, color_type, [big[y].tobytes() for y in range(h)])


# ---- inputs -------------------------------------------------------------------------------

def smooth(rng: np.random.Generator, h: int, w: int, channels: int, hi: int = 255) -> np.ndarray:
    """Gradients plus noise: structure that survives JPEG and exercises the rounding."""
    y, x = np.mgrid[0:h, 0:w]
    planes = []
    for c in range(channels):
        base = (x * (1.3 + c) + y * (0.7 + 0.5 * c)) / (w + h) * hi * 0.8
        base += np.sin((x + 3 * c) / 5.0) * hi * 0.08
        base += rng.normal(0, hi * 0.04, (h, w))
        planes.append(np.clip(base, 0, hi))
    a = np.stack(planes, axis=-1)
    return a[..., 0] if channels == 1 else a


def png_packed_row(row: np.ndarray, bit_depth: int) -> bytes:
    """One scanline's samples (width x channels, interleaved) packed at bit_depth (1, 8 or 16)."""
    flat = row.reshape(-1)
    if bit_depth == 1:
        return np.packbits(flat.astype(np.uint8)).tobytes()
    return flat.astype(">u2" if bit_depth == 16 else np.uint8).tobytes()


def png_interlaced(a: np.ndarray, bit_depth: int, color_type: int) -> bytes:
    """An Adam7-interlaced PNG of samples a (height x width x channels), filter 0 on every row
    (PIL writes no interlaced PNG)."""
    h, w = a.shape[:2]
    raw = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)):
        sub = a[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            raw += b"".join(b"\x00" + png_packed_row(r, bit_depth) for r in sub)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
            + png_chunk(b"IEND", b""))


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261127)
    good: list[tuple[str, str, int, int]] = []  # (file, format, stb channels, bit depth)

    def save(name: str, img: Image.Image, channels: int, bit_depth: int = 8, **kw) -> None:
        img.save(OUT_DIR / name, **kw)
        good.append((name, name.rsplit(".", 1)[1], channels, bit_depth))

    u8 = lambda a: a.round().astype(np.uint8)
    save("grey_80x80.png", Image.fromarray(u8(smooth(rng, 80, 80, 1)), "L"), 1)
    save("rgb_100x70.png", Image.fromarray(u8(smooth(rng, 70, 100, 3)), "RGB"), 3)
    save("rgba_64x64.png", Image.fromarray(u8(smooth(rng, 64, 64, 4)), "RGBA"), 4)
    save("grey_alpha_50x50.png", Image.fromarray(u8(smooth(rng, 50, 50, 2)), "LA"), 2)
    save("tiny_3x5.png", Image.fromarray(u8(rng.uniform(0, 255, (5, 3, 3))), "RGB"), 3)
    save("one_pixel.png", Image.fromarray(np.array([[200]], dtype=np.uint8), "L"), 1)

    pal = Image.fromarray(u8(smooth(rng, 90, 70, 3)), "RGB").quantize(colors=37, method=Image.MEDIANCUT)
    save("palette_70x90.png", pal, 3)
    pal_t = Image.fromarray(u8(smooth(rng, 40, 40, 3)), "RGB").quantize(colors=16, method=Image.MEDIANCUT)
    pal_t.info["transparency"] = 3
    save("palette_trns_40x40.png", pal_t, 4, transparency=3)

    g16 = smooth(rng, 96, 96, 1, hi=65535).round().astype(np.uint16)
    save("grey16_96x96.png", Image.fromarray(g16, "I;16"), 1, 16)
    for name, arr, ct, ch in (("rgb16_72x66.png", smooth(rng, 66, 72, 3, hi=65535), 2, 3),
                              ("grey_alpha16_30x30.png", smooth(rng, 30, 30, 2, hi=65535), 4, 2)):
        (OUT_DIR / name).write_bytes(png16(arr.round().astype(np.uint16), ct))
        good.append((name, "png", ch, 16))

    save("rgb_65x63.bmp", Image.fromarray(u8(smooth(rng, 63, 65, 3)), "RGB"), 3)
    save("grey_palette_66x64.bmp", Image.fromarray(u8(smooth(rng, 64, 66, 1)), "L"), 3)

    save("grey_64x64.jpg", Image.fromarray(u8(smooth(rng, 64, 64, 1)), "L"), 1, quality=92)
    save("rgb_200x150.jpg", Image.fromarray(u8(smooth(rng, 150, 200, 3)), "RGB"), 3, quality=90)
    save("rgb_progressive_120x120.jpg", Image.fromarray(u8(smooth(rng, 120, 120, 3)), "RGB"), 3,
         quality=90, progressive=True)
    # chroma 4:2:2 and 4:4:4 (the two above are 4:2:0), decoded bit-exactly like libjpeg-turbo
    save("rgb_422_90x70.jpg", Image.fromarray(u8(smooth(rng, 70, 90, 3)), "RGB"), 3, quality=88, subsampling=1)
    save("rgb_444_progressive_71x65.jpg", Image.fromarray(u8(smooth(rng, 65, 71, 3)), "RGB"), 3, quality=80,
         subsampling=0, progressive=True)

    # Adam7-interlaced (the decompressed-size limit computes each pass's scanlines) and 1-bit
    # samples, at sizes where some passes are empty; their own random stream, so the files above stay as they were
    rng2 = np.random.default_rng(20261201)
    for name, arr, depth, ct, ch in (
            ("rgb_interlaced_13x11.png", u8(smooth(rng2, 11, 13, 3)), 8, 2, 3),
            ("grey_alpha16_interlaced_9x6.png", smooth(rng2, 6, 9, 2, hi=65535).round().astype(np.uint16), 16, 4, 2),
            ("grey1_interlaced_1x3.png", (rng2.uniform(0, 1, (3, 1, 1)) > 0.5).astype(np.uint8), 1, 0, 1),
            ("grey1_interlaced_21x17.png", (smooth(rng2, 17, 21, 1) > 128).astype(np.uint8), 1, 0, 1)):
        (OUT_DIR / name).write_bytes(png_interlaced(arr, depth, ct))
        good.append((name, "png", ch, 8 if depth == 1 else depth))
    save("grey1_23x9.png", Image.fromarray(smooth(rng2, 9, 23, 1) > 128).convert("1"), 1)

    # bad inputs
    (OUT_DIR / "empty.png").write_bytes(b"")
    (OUT_DIR / "text.png").write_bytes(b"this is not an image\n")
    png = (OUT_DIR / "rgb_100x70.png").read_bytes()
    (OUT_DIR / "truncated.png").write_bytes(png[: len(png) // 2])
    jpg = (OUT_DIR / "rgb_200x150.jpg").read_bytes()
    (OUT_DIR / "truncated.jpg").write_bytes(jpg[: len(jpg) * 6 // 10])
    bmp = (OUT_DIR / "rgb_65x63.bmp").read_bytes()
    (OUT_DIR / "truncated.bmp").write_bytes(bmp[: len(bmp) - 500])
    idat = png.index(b"IDAT")
    bad = bytearray(png)
    bad[idat + 4 + 10] ^= 0x01  # a byte of IDAT's data; its CRC is left as it was
    (OUT_DIR / "bad_crc.png").write_bytes(bytes(bad))
    # headers claiming 100000 x 100000 (valid structure, tiny data)
    huge_raw = zlib.compress(b"\x00\x00", 9)
    huge = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0))
            + png_chunk(b"IDAT", huge_raw) + png_chunk(b"IEND", b""))
    (OUT_DIR / "huge_header.png").write_bytes(huge)
    bmp_huge = (b"BM" + struct.pack("<IHHI", 54, 0, 0, 54)
                + struct.pack("<IiiHHIIiiII", 40, 100000, 100000, 1, 24, 0, 0, 2835, 2835, 0, 0))
    (OUT_DIR / "huge_header.bmp").write_bytes(bmp_huge)
    zero_w = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 10, 8, 0, 0, 0, 0))
              + png_chunk(b"IDAT", huge_raw) + png_chunk(b"IEND", b""))
    (OUT_DIR / "zero_width.png").write_bytes(zero_w)
    # zlib bombs: 64 x 64 8-bit grey needs 64 rows of 1 + 64 bytes (4,160) inflated; these
    # streams inflate to 16 MiB (from 16 KiB) and to one byte more than needed
    bomb_ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0))
    for name, raw in (("zlib_bomb.png", bytes(16 << 20)), ("inflates_one_byte_more.png", bytes(64 * 65 + 1))):
        (OUT_DIR / name).write_bytes(b"\x89PNG\r\n\x1a\n" + bomb_ihdr + png_chunk(b"IDAT", zlib.compress(raw, 9))
                                     + png_chunk(b"IEND", b""))

    entries = []
    for name, fmt, channels, bit_depth in good:
        path = OUT_DIR / name
        with Image.open(path) as img:
            width, height = img.size
        pixels = preprocess(path)
        entries.append({
            "file": name, "format": "jpeg" if fmt == "jpg" else fmt, "width": width, "height": height,
            "channels": channels, "bit_depth": bit_depth, "exact": True,
            "pixels": [float(f"{float(v):.9g}") for v in pixels.reshape(-1)],
        })
    doc = {"made_by": "scripts/make_test_images.py", "size": SIZE, "images": entries}
    text = json.dumps(doc, separators=(",", ":"))
    (OUT_DIR / "expected.json").write_text(text + "\n")
    print(f"wrote {len(good)} images, {len(entries)} expectations to {OUT_DIR}")


if __name__ == "__main__":
    main()
