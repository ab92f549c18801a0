"""The image sets of the modality detector and its out-of-distribution gate (issue 13).

    cd scripts && /usr/bin/python3 -m radz.ood_sets --out ../build/ood

Writes, under OUT:
- ood/<kind>/*.png|jpg: images that are none of the package's modalities, one folder per kind:
  photo (scikit-image's and matplotlib's sample photographs, colour and grey, whole and cropped,
  and scikit-image's 200 LFW face crops), document (pages of Debian's licence texts rendered
  with the DejaVu fonts, clean and scanned-looking, plus scikit-image's text samples),
  screenshot (the GNOME help's figures), icon (Adwaita icons), artwork (Debian's desktop
  wallpapers and boot-splash pictures), noise (generated), flat (generated: constant frames and
  smooth gradients), inverted (the package's own modalities shown inverted: chest X-rays and
  brain MRIs with 255 - grey).
- indist/<variant>/<modality>/...: the held-out in-distribution images (NIH fold 1, the brain MRI
  test split) as shipped (`orig`), resized to 28, 128 and 1024 px on the long side (`px28`,
  `px128`, `px1024`, PNG) and re-encoded as JPEG quality 75 (`jpeg75`).
- sets.json: every file with its kind, split (`train` or `test`: inverted images made from
  held-out radiographs are `test`, the others `train`) and source, plus the Debian package
  versions read.

The Debian packages are fetched with `apt-get download` into OUT/debs and unpacked there (no
installation, nothing outside OUT changes). SVG files are drawn with `rsvg-convert`
(librsvg2-bin). Everything is seeded: a second run writes the same files.
"""
from __future__ import annotations

import argparse
import glob
import io
import json
import os
import random
import shutil
import subprocess
import textwrap

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from . import splits
from .train import REPO_ROOT, DEFAULT_DATA, read_mri_split

DEBS = ["python3-skimage", "python-matplotlib-data", "desktop-base", "adwaita-icon-theme", "gnome-user-docs",
        "fonts-dejavu-core"]
KINDS = ["photo", "document", "screenshot", "icon", "artwork", "noise", "flat", "inverted"]
MAX_SIDE = 1024
INDIST_VARIANTS = ["orig", "px28", "px128", "px1024", "jpeg75"]
QUICK_KINDS = ["noise", "flat", "inverted"]
CXR_TEST_FOLD = 1


def log(msg: str) -> None:
    print(msg, flush=True)


def fetch_debs(out: str) -> tuple[str, dict]:
    deb_dir = os.path.join(out, "debs")
    root = os.path.join(deb_dir, "root")
    os.makedirs(deb_dir, exist_ok=True)
    versions = {}
    for name in DEBS:
        have = glob.glob(os.path.join(deb_dir, f"{name}_*.deb"))
        if not have:
            r = subprocess.run(["apt-get", "download", name], cwd=deb_dir, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"apt-get download {name} failed: {r.stderr.strip()}")
            have = glob.glob(os.path.join(deb_dir, f"{name}_*.deb"))
        deb = sorted(have)[-1]
        versions[name] = os.path.basename(deb).split("_")[1]
        stamp = deb + ".unpacked"
        if not os.path.exists(stamp):
            subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
            open(stamp, "w").close()
    return root, versions


def cap(im: Image.Image) -> Image.Image:
    w, h = im.size
    s = max(w, h)
    if s > MAX_SIDE:
        im = im.resize((max(1, round(w * MAX_SIDE / s)), max(1, round(h * MAX_SIDE / s))), Image.LANCZOS)
    return im


class Writer:
    def __init__(self, out: str):
        self.out = out
        self.entries = []

    def save(self, im: Image.Image, kind: str, name: str, source: str, split: str = "train", fmt: str = "png") -> None:
        d = os.path.join(self.out, "ood", kind)
        os.makedirs(d, exist_ok=True)
        rel = os.path.join("ood", kind, f"{name}.{fmt}")
        im = cap(im)
        if fmt == "jpg":
            im.convert("RGB" if im.mode not in ("L", "RGB") else im.mode).save(os.path.join(self.out, rel), quality=90)
        else:
            im.save(os.path.join(self.out, rel))
        self.entries.append({"path": rel, "kind": kind, "split": split, "source": source})


def svg_to_image(path: str, width: int) -> Image.Image | None:
    r = subprocess.run(["rsvg-convert", "-w", str(width), "-b", "white", path], capture_output=True)
    if r.returncode != 0 or not r.stdout:
        return None
    return Image.open(io.BytesIO(r.stdout)).convert("RGB")


def random_crops(im: Image.Image, n: int, rng: random.Random) -> list[Image.Image]:
    w, h = im.size
    crops = []
    for _ in range(n):
        f = rng.uniform(0.3, 0.8)
        cw, ch = max(16, int(w * f)), max(16, int(h * f * rng.uniform(0.75, 1.33)))
        cw, ch = min(cw, w), min(ch, h)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        crops.append(im.crop((x, y, x + cw, y + ch)))
    return crops


def build_photo(w: Writer, root: str, rng: random.Random) -> None:
    sk = os.path.join(root, "usr/lib/python3/dist-packages/skimage/data")
    names = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "moon.png", "motorcycle_left.png",
             "motorcycle_right.png", "hubble_deep_field.jpg", "rocket.jpg", "grass.png", "gravel.png", "brick.png",
             "cell.png", "ihc.png", "color.png"]
    paths = [os.path.join(sk, n) for n in names]
    paths.append(os.path.join(root, "usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"))
    for p in paths:
        if not os.path.exists(p):
            raise SystemExit(f"{p}: expected in the unpacked Debian packages, not found")
        base = os.path.splitext(os.path.basename(p))[0]
        im = Image.open(p)
        im.load()
        im = im.convert("RGB") if im.mode not in ("L", "RGB") else im
        w.save(im, "photo", base, p.split(root + "/")[-1], fmt="jpg")
        for i, c in enumerate(random_crops(im, 6, rng)):
            w.save(c, "photo", f"{base}_crop{i}", p.split(root + "/")[-1], fmt="jpg" if i % 2 else "png")
    faces = np.load(os.path.join(sk, "lfw_subset.npy"))
    for i, f in enumerate(faces):
        im = Image.fromarray(np.clip(np.rint(f * 255), 0, 255).astype(np.uint8), "L")
        if i % 2:
            im = im.resize((100, 100), Image.BICUBIC)
        w.save(im, "photo", f"lfw_{i:03d}", "usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy")


def build_document(w: Writer, root: str, rng: random.Random) -> None:
    fonts = sorted(glob.glob(os.path.join(root, "usr/share/fonts/truetype/dejavu/*.ttf")))
    if not fonts:
        raise SystemExit("fonts-dejavu-core: no fonts unpacked")
    texts = []
    for name in ["GPL-3", "LGPL-2.1", "Apache-2.0", "MPL-2.0", "Artistic", "GFDL-1.3"]:
        p = os.path.join("/usr/share/common-licenses", name)
        if os.path.exists(p):
            with open(p, encoding="utf-8", errors="replace") as f:
                texts.append(f.read().split("\n"))
    if not texts:
        raise SystemExit("/usr/share/common-licenses: no licence texts to render")
    for i in range(140):
        lines = texts[i % len(texts)]
        start = rng.randint(0, max(0, len(lines) - 80))
        size = rng.choice([9, 11, 13, 16, 20, 26])
        font = ImageFont.truetype(fonts[rng.randrange(len(fonts))], size)
        W, H = rng.choice([(850, 1100), (1100, 850), (600, 800), (1240, 1754), (400, 300)])
        dark = rng.random() < 0.15
        bg, fg = (24, 230) if dark else (rng.randint(225, 255), rng.randint(0, 40))
        im = Image.new("L", (W, H), bg)
        d = ImageDraw.Draw(im)
        cols = 2 if (W > 800 and rng.random() < 0.3) else 1
        margin = rng.randint(20, 80)
        colw = (W - 2 * margin) // cols
        chars = max(10, int(colw / (size * 0.55)))
        y0 = margin
        if rng.random() < 0.5:   # a heading
            d.text((margin, y0), lines[start][:40].upper() or "SECTION", fill=fg, font=ImageFont.truetype(fonts[0], size * 2))
            y0 += size * 3
        li = start
        for c in range(cols):
            y = y0
            while y < H - margin and li < len(lines):
                for part in textwrap.wrap(lines[li], chars) or [""]:
                    d.text((margin + c * colw, y), part, fill=fg, font=font)
                    y += int(size * 1.35)
                li += 1
        if rng.random() < 0.4:   # scanned: slight rotation, blur, speckle
            im = im.rotate(rng.uniform(-3, 3), expand=False, fillcolor=bg, resample=Image.BILINEAR)
            im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
            a = np.asarray(im, np.float32) + np.random.default_rng(i).normal(0, 8, (H, W))
            im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
        w.save(im, "document", f"page_{i:03d}", "usr/share/common-licenses (rendered, fonts-dejavu-core)",
               fmt="jpg" if i % 3 == 0 else "png")
    sk = os.path.join(root, "usr/lib/python3/dist-packages/skimage/data")
    for n in ["page.png", "text.png"]:
        w.save(Image.open(os.path.join(sk, n)).convert("L"), "document", os.path.splitext(n)[0],
               "usr/lib/python3/dist-packages/skimage/data/" + n)


def build_screenshot(w: Writer, root: str, rng: random.Random) -> None:
    # The English figures (PNG screenshots and SVG drawings of the desktop), and the translated
    # PNG screenshots (the SVGs of other languages are mostly the same drawings).
    figs = sorted(glob.glob(os.path.join(root, "usr/share/help/C/gnome-help/figures/*")))
    other = sorted(p for p in glob.glob(os.path.join(root, "usr/share/help/*/gnome-help/figures/*.png"))
                   if "/help/C/" not in p)
    figs += sorted(rng.sample(other, min(len(other), 150)))
    n = 0
    for p in figs:
        ext = os.path.splitext(p)[1].lower()
        rel = p.split(root + "/")[-1]
        name = rel.split("/")[3] + "_" + os.path.splitext(os.path.basename(p))[0]
        if ext == ".png":
            im = Image.open(p)
            im.load()
        elif ext == ".svg":
            im = svg_to_image(p, rng.choice([480, 640, 800]))
            if im is None:
                continue
        else:
            continue
        if min(im.size) < 24:
            continue
        w.save(im.convert("RGBA") if im.mode == "P" else im, "screenshot", name, rel)
        n += 1
    if n < 50:
        raise SystemExit(f"gnome-user-docs: only {n} figures could be read")


def build_icon(w: Writer, root: str, rng: random.Random) -> None:
    icons = sorted(glob.glob(os.path.join(root, "usr/share/icons/Adwaita/*x*/*/*.png")))
    icons = [p for p in icons if any(s in p for s in ("/48x48/", "/64x64/", "/96x96/", "/256x256/"))]
    rng.shuffle(icons)
    for i, p in enumerate(sorted(icons[:220])):
        im = Image.open(p)
        im.load()
        if i % 2:   # flattened on a background, as a screenshot of it would be
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255) if i % 4 == 1 else (rng.randint(0, 80),) * 3 + (255,))
            im = Image.alpha_composite(bg, im.convert("RGBA")).convert("RGB")
        w.save(im, "icon", f"icon_{i:03d}_" + os.path.splitext(os.path.basename(p))[0], p.split(root + "/")[-1])


def build_artwork(w: Writer, root: str, rng: random.Random) -> None:
    svgs = sorted(glob.glob(os.path.join(root, "usr/share/desktop-base/*-theme/wallpaper/contents/images/*.svg")))
    seen_theme = {}
    for p in svgs:
        theme = p.split("/desktop-base/")[1].split("/")[0]
        seen_theme[theme] = seen_theme.get(theme, 0) + 1
        if seen_theme[theme] > 3:
            continue
        im = svg_to_image(p, 1024)
        if im is None:
            continue
        rel = p.split(root + "/")[-1]
        name = f"{theme}_{os.path.splitext(os.path.basename(p))[0]}"
        w.save(im, "artwork", name, rel, fmt="jpg")
        for i, c in enumerate(random_crops(im, 3, rng)):
            w.save(c, "artwork", f"{name}_crop{i}", rel)
    pngs = sorted(glob.glob(os.path.join(root, "usr/share/plymouth/themes/*/*.png")) +
                  glob.glob(os.path.join(root, "usr/share/desktop-base/debian-logos/*.png")))
    for p in pngs:
        im = Image.open(p)
        im.load()
        if min(im.size) < 32:
            continue
        rel = p.split(root + "/")[-1]
        w.save(im, "artwork", rel.split("/")[-2] + "_" + os.path.splitext(os.path.basename(p))[0], rel)


def smooth_noise(g: np.random.Generator, h: int, w: int, scale: float) -> np.ndarray:
    small = g.normal(0, 1, (max(2, int(h / scale)), max(2, int(w / scale)))).astype(np.float32)
    im = Image.fromarray(small).resize((w, h), Image.BICUBIC)
    a = np.asarray(im, np.float32)
    return (a - a.min()) / max(1e-6, a.max() - a.min())


def build_noise(w: Writer, rng: random.Random) -> None:
    g = np.random.default_rng(13)
    for i in range(120):
        h, wd = rng.choice([64, 128, 256, 512, 300]), rng.choice([64, 128, 256, 512, 400])
        k = i % 5
        if k == 0:
            a = g.uniform(0, 255, (h, wd))
        elif k == 1:
            a = g.normal(rng.uniform(60, 200), rng.uniform(10, 80), (h, wd))
        elif k == 2:
            a = np.where(g.random((h, wd)) < rng.uniform(0.05, 0.5), 255.0, 0.0) if rng.random() < 0.5 else \
                g.choice([0.0, 255.0], (h, wd))
        elif k == 3:
            a = smooth_noise(g, h, wd, rng.choice([4, 8, 16, 32])) * 255
        else:
            a = g.uniform(0, 255, (h, wd, 3))
        mode = "RGB" if a.ndim == 3 else "L"
        w.save(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), mode), "noise", f"noise_{i:03d}", "generated",
               fmt="jpg" if i % 4 == 3 else "png")


def build_flat(w: Writer, rng: random.Random) -> None:
    for i in range(80):
        h, wd = rng.choice([32, 64, 256, 512, 1024]), rng.choice([32, 64, 256, 512, 768])
        k = i % 4
        if k == 0:
            v = [0, 255, 128][i % 3] if i < 12 else rng.randint(0, 255)
            a = np.full((h, wd), float(v))
        elif k == 1:
            t = np.linspace(0, 1, wd)[None, :] if rng.random() < 0.5 else np.linspace(0, 1, h)[:, None]
            lo, hi = rng.randint(0, 120), rng.randint(130, 255)
            a = np.broadcast_to(lo + (hi - lo) * t, (h, wd))
        elif k == 2:
            yy, xx = np.mgrid[0:h, 0:wd]
            r = np.hypot((yy - h / 2) / h, (xx - wd / 2) / wd)
            a = 255 * np.clip(1 - r * rng.uniform(1, 2), 0, 1)
        else:
            a = np.full((h, wd, 3), 0.0)
            a[:, :] = [rng.randint(0, 255) for _ in range(3)]
        mode = "RGB" if a.ndim == 3 else "L"
        w.save(Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), mode), "flat", f"flat_{i:03d}", "generated")


def indist_rows(data: str) -> dict:
    """Held-out in-distribution images: NIH fold 1 and the brain MRI test split (never trained on)."""
    cxr = ["nih1000/" + r["path"] for r in splits.nih_rows(data) if int(r["fold"]) == CXR_TEST_FOLD]
    mri = ["brain_mri/" + r["path"] for r in read_mri_split(os.path.join(REPO_ROOT, "assets/splits/brain_mri_test.csv"))]
    return {"cxr": cxr, "mri": mri}


def train_rows(data: str) -> dict:
    cxr = ["nih1000/" + r["path"] for r in splits.nih_rows(data) if int(r["fold"]) != CXR_TEST_FOLD]
    mri = ["brain_mri/" + r["path"] for r in read_mri_split(os.path.join(REPO_ROOT, "assets/splits/brain_mri_train.csv"))]
    return {"cxr": cxr, "mri": mri}


def build_inverted(w: Writer, data: str, rng: random.Random) -> None:
    for split, rows in (("train", train_rows(data)), ("test", indist_rows(data))):
        for mod, paths in rows.items():
            pick = sorted(rng.sample(paths, min(len(paths), 120 if split == "train" else 100)))
            for p in pick:
                im = Image.open(os.path.join(data, p)).convert("L")
                inv = Image.fromarray(255 - np.asarray(im, np.uint8), "L")
                w.save(inv, "inverted", f"{split}_{mod}_" + os.path.splitext(os.path.basename(p))[0], p, split=split)


def readable(path: str) -> bool:
    """A file a previous (perhaps interrupted) run wrote completely."""
    if not os.path.exists(path):
        return False
    try:
        with Image.open(path) as im:
            im.load()
        return True
    except Exception:
        os.remove(path)
        return False


def build_indist(out: str, data: str) -> list[dict]:
    entries = []
    for mod, paths in indist_rows(data).items():
        for p in paths:
            src = os.path.join(data, p)
            im = Image.open(src)
            im.load()
            base = os.path.splitext(os.path.basename(p))[0]
            for v in INDIST_VARIANTS:
                d = os.path.join(out, "indist", v, mod)
                os.makedirs(d, exist_ok=True)
                stem = os.path.join(out, "indist", v, mod, base)
                done = [e for e in (".png", ".jpg") if readable(stem + e)]
                if done and v != "orig":
                    entries.append({"path": os.path.relpath(stem + done[0], out), "modality": mod, "variant": v, "source": p})
                    continue
                if v == "orig":
                    rel = os.path.join("indist", v, mod, os.path.basename(p))
                    shutil.copyfile(src, os.path.join(out, rel))
                elif v == "jpeg75":
                    rel = os.path.join("indist", v, mod, base + ".jpg")
                    im.convert("RGB" if im.mode == "RGB" else "L").save(os.path.join(out, rel), quality=75)
                else:
                    side = int(v[2:])
                    ww, hh = im.size
                    s = side / max(ww, hh)
                    r = im.resize((max(1, round(ww * s)), max(1, round(hh * s))), Image.BICUBIC if s > 1 else Image.LANCZOS)
                    rel = os.path.join("indist", v, mod, base + ".png")
                    r.save(os.path.join(out, rel))
                entries.append({"path": rel, "modality": mod, "variant": v, "source": p})
    return entries


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true",
                    help="generated kinds only (noise, flat, inverted), no Debian packages, no in-distribution variants: "
                         "for the quick smoke-test package")
    args = ap.parse_args(argv)
    return build_sets(args.out, args.data, args.seed, args.quick)


def build_sets(out: str, data: str, seed: int = 0, quick: bool = False) -> str:
    if not quick and shutil.which("rsvg-convert") is None:
        raise SystemExit("rsvg-convert not found: install Debian's librsvg2-bin (scripts/setup.sh does)")
    out = os.path.abspath(out)
    shutil.rmtree(os.path.join(out, "ood"), ignore_errors=True)   # indist files are kept (derived from the data alone)
    root, versions = fetch_debs(out) if not quick else ("", {})
    w = Writer(out)
    steps = [("photo", lambda r: build_photo(w, root, r)), ("document", lambda r: build_document(w, root, r)),
             ("screenshot", lambda r: build_screenshot(w, root, r)), ("icon", lambda r: build_icon(w, root, r)),
             ("artwork", lambda r: build_artwork(w, root, r)), ("noise", lambda r: build_noise(w, r)),
             ("flat", lambda r: build_flat(w, r)), ("inverted", lambda r: build_inverted(w, data, r))]
    for i, (kind, fn) in enumerate(steps):
        if quick and kind not in QUICK_KINDS:
            continue
        before = len(w.entries)
        fn(random.Random(seed * 1000 + i))
        log(f"{kind}: {len(w.entries) - before} images")
    indist = build_indist(out, data) if not quick else []
    log(f"in-distribution held-out: {len(indist)} files ({len(INDIST_VARIANTS)} variants)")
    with open(os.path.join(out, "sets.json"), "w") as f:
        json.dump({"debian_packages": versions, "ood": w.entries, "indist": indist}, f, indent=1)
    log(f"wrote {os.path.join(out, 'sets.json')}")
    return out


if __name__ == "__main__":
    main()
