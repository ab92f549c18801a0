#!/usr/bin/env python3
"""Generate THIRD_PARTY_NOTICES.md: the licences of what RadZ's web page and native programs
bundle or link, and the attribution its data and model require.

    python3 scripts/gen_notices.py            writes THIRD_PARTY_NOTICES.md
    python3 scripts/gen_notices.py --check    exits 1 (one line) when the committed file differs

Sources, all read, nothing typed in by hand except the list of what is used where (USED below)
and the data attribution (DATA below):
  - npm: name, version and licence from package-lock.json; the licence text from the package's
    LICENSE file in node_modules/, or, for a package that ships none (ONNX Runtime's), the SPDX
    text of the licence its package.json names, with the copyright line of its own sources;
  - Debian: /usr/share/doc/<package>/copyright (DEP-5), whole or the stanzas of the files that
    are compiled in (installed by scripts/setup.sh).
Standard library only; the output depends on the lockfile and the Debian packages, never on the
machine or the date. Errors are one line naming the file and what was expected.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
OUT = os.path.join(REPO, "THIRD_PARTY_NOTICES.md")
DEBIAN_DOC = "/usr/share/doc"


class NoticeError(Exception):
    pass


# npm packages that ship: (name, where it is used). Their versions come from the lockfile.
NPM = [
    ("onnxruntime-web", "the web page: web-dist/ort/ (ort.wasm.min.mjs, ort.webgpu.min.mjs and their "
                        "ort-wasm-simd-threaded*.mjs/.wasm), ONNX Runtime Web, which runs the model's graphs"),
    ("onnxruntime-common", "the web page: bundled inside onnxruntime-web's ort.*.min.mjs (their source maps list "
                           "only onnxruntime-common's and onnxruntime-web's own sources)"),
    ("onnxruntime-node", "the native CLI and desktop app: its libonnxruntime.so.1 (ONNX Runtime 1.30) is loaded at "
                         "run time (dlopen) to run the model's graphs; the C API headers compiled in are ONNX "
                         "Runtime's too (scripts/setup.sh, third_party/onnxruntime/include)"),
    ("dicom-parser", "the web page: web-dist/dicom/dicomParser.min.js parses DICOM files (web/page/dicom_worker.js), "
                     "loaded only when a DICOM file is opened"),
    ("@cornerstonejs/codec-charls", "the web page: web-dist/dicom/charlswasm_decode.js/.wasm (CharLS in WebAssembly) "
                                    "decodes JPEG-LS frames of DICOM files"),
    ("@cornerstonejs/codec-openjpeg", "the web page: web-dist/dicom/openjpegwasm_decode.js/.wasm (OpenJPEG in "
                                      "WebAssembly) decodes JPEG 2000 frames of DICOM files"),
    ("jpeg-lossless-decoder-js", "the web page: web-dist/dicom/lossless.js decodes lossless JPEG frames of DICOM "
                                 "files"),
    ("@cornerstonejs/dicom-image-loader", "the web page: web-dist/dicom/decodeRLE.js (its dist/esm/shared/decoders/"
                                          "decodeRLE.js, a module that imports nothing; nothing else of the loader "
                                          "ships) decodes RLE lossless frames of DICOM files"),
]

# npm packages that ship neither a licence file nor a copyright line in their sources: the
# copyright line of the LICENSE of a package from the same repository (package.json
# "repository" URL), which the generator checks is the same.
NPM_COPYRIGHT_FROM = {"@cornerstonejs/codec-openjpeg": "@cornerstonejs/codec-charls"}

# Debian packages that ship: (package, where it is used, DEP-5 "Files" entries to keep or None
# for the whole copyright file).
DEBIAN = [
    ("libstb-dev", "the core (web page, CLI, app): stb_image decodes PNG and JPEG; stb_image_write writes the "
                   "app's screenshots", None),
    ("nlohmann-json3-dev", "the core (web page, CLI, app): JSON reading and writing", None),
    ("libjpeg62-turbo", "the core (web page, CLI, app): core/jpeg_compat.cpp re-implements libjpeg-turbo's "
                        "integer IDCT (jidctint.c), fancy upsampling (jdsample.c) and YCbCr->RGB conversion "
                        "(jdcolor.c) so that JPEGs decode as in the recipe; this software is based in part on "
                        "the work of the Independent JPEG Group", ["jidctint.c", "jdsample.c", "jdcolor.c"]),
    ("emscripten", "the web page: radz_web.mjs/.wasm carry Emscripten's JavaScript runtime and the system "
                   "libraries it compiles in (musl libc, libc++, libc++abi, compiler-rt, dlmalloc)",
     ["*", "system/lib/libc/musl/*", "system/lib/libcxx/*", "system/lib/libcxxabi/*", "system/lib/compiler-rt/*",
      "system/lib/dlmalloc.c"]),
    ("libimgui-dev", "the desktop app (radz-app): Dear ImGui and its SDL2 and OpenGL 3 backends, linked "
                     "statically", None),
    ("libsdl2-2.0-0", "the desktop app (radz-app): SDL2, linked dynamically (windows, input, OpenGL context)", None),
    ("libgl1", "the desktop app (radz-app): libGL (GLVND), linked dynamically", None),
    ("libgdcm3.0", "the native CLI and desktop app: GDCM reads DICOM files and decodes their compressed frames "
                   "(native/dicom_gdcm.cpp), linked dynamically", None),
    ("libcharls2", "the native CLI and desktop app: CharLS, GDCM's JPEG-LS codec, linked dynamically", None),
    ("libopenjp2-7", "the native CLI and desktop app: OpenJPEG, GDCM's JPEG 2000 codec, linked dynamically", None),
    ("zlib1g", "the native CLI and desktop app: zlib inflates a deflated DICOM data set so that its lengths are "
               "checked before GDCM reads it (native/dicom_lengths.cpp), linked dynamically", None),
]

# The data the model was trained and evaluated on, and the model itself. The wording follows
# README.md ("Data and attribution") and the data folder's README (../shared/data/README.md).
DATA = """\
The bundled model (assets/models/radz-tiny) and every package the recipe builds carry weights
trained on, and sample images taken from, these data sets; their attribution is required
wherever the model, its samples or results derived from them are shown or shared.

- Chest X-rays: NIH Clinical Center, ChestX-ray14, https://nihcc.app.box.com/v/ChestXray-NIHCC
  (use unrestricted; attribution required). Wang X, Peng Y, Lu L, Lu Z, Bagheri M, Summers RM.
  "ChestX-ray8: Hospital-scale Chest X-ray Database and Benchmarks on Weakly-Supervised
  Classification and Localization of Common Thorax Diseases." CVPR 2017. Labels from the
  ChestX-ray14 label lists (mined from reports by NIH).
- Brain MRI: Msoud Nickparvar, "Brain Tumor MRI Dataset", Kaggle, 2021 (CC0), built on Jun Cheng
  et al.'s figshare brain tumor dataset (CC BY 4.0), SARTAJ and Br35H.
- The model: trained by RadZ's recipe (scripts/radz) from the data above and distributed with
  RadZ under its licence (LICENSE); the method follows LLaVA-RadZ (arXiv 2503.07487). Research
  and demonstration only, not a medical device, not for diagnosis.
"""

# SPDX texts, for npm packages that name their licence but ship no licence file.
SPDX = {
    "MIT": """\
MIT License

{copyright}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
""",
}


def read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise NoticeError(f"{path}: cannot read ({e.strerror}); run scripts/setup.sh") from None
    except UnicodeDecodeError:
        raise NoticeError(f"{path}: expected UTF-8 text") from None


def lock_entry(lock: dict, name: str) -> dict:
    e = lock.get("packages", {}).get("node_modules/" + name)
    if not isinstance(e, dict) or not isinstance(e.get("version"), str):
        raise NoticeError(f"package-lock.json: packages.node_modules/{name}: expected an entry with a version, found none")
    return e


def npm_copyright(pkg_dir: str) -> str:
    """The first 'Copyright (c) ...' line of the package's own sources (lib/, then dist/)."""
    for sub in ("lib", "dist"):
        top = os.path.join(pkg_dir, sub)
        for root, dirs, files in sorted(os.walk(top)):
            dirs.sort()
            for n in sorted(files):
                if not n.endswith((".ts", ".js", ".mjs")):
                    continue
                with open(os.path.join(root, n), encoding="utf-8", errors="replace") as f:
                    head = f.read(2000)
                m = re.search(r"Copyright \(c\) [^\n.]+\.?", head)
                if m:
                    return m.group(0).rstrip(".") + "."
    name = os.path.relpath(pkg_dir, os.path.join(REPO, "node_modules"))
    sibling = NPM_COPYRIGHT_FROM.get(name)
    if sibling:
        sib_dir = os.path.join(REPO, "node_modules", sibling)
        repo_of = lambda d: (json.loads(read_text(os.path.join(d, "package.json"))).get("repository") or {}).get("url")  # noqa: E731
        if repo_of(sib_dir) != repo_of(pkg_dir) or not repo_of(pkg_dir):
            raise NoticeError(f"node_modules/{name}: its repository differs from {sibling}'s; no copyright line")
        m = re.search(r"Copyright \(c\) [^\n]+", read_text(os.path.join(sib_dir, "LICENSE")))
        if m:
            return m.group(0).strip() + f" (the copyright line of {sibling}, from the same repository)"
    raise NoticeError(f"{pkg_dir}: no licence file and no 'Copyright (c)' line in lib/ or dist/")


def npm_licence(name: str, lock: dict) -> tuple[str, str, str]:
    """(version, SPDX id, licence text) of an installed npm package."""
    e = lock_entry(lock, name)
    pkg_dir = os.path.join(REPO, "node_modules", name)
    pj = json.loads(read_text(os.path.join(pkg_dir, "package.json")))
    if pj.get("version") != e["version"]:
        raise NoticeError(f"node_modules/{name}/package.json: version {pj.get('version')}, expected "
                          f"{e['version']} (package-lock.json); run scripts/setup.sh")
    spdx = e.get("license") or pj.get("license")
    if not isinstance(spdx, str):
        raise NoticeError(f"package-lock.json: {name}: expected a licence, found none")
    for n in sorted(os.listdir(pkg_dir)):
        if re.fullmatch(r"(?i)licen[cs]e(\.md|\.txt)?", n):
            return e["version"], spdx, read_text(os.path.join(pkg_dir, n)).strip() + "\n"
    if spdx not in SPDX:
        raise NoticeError(f"node_modules/{name}: no licence file, and no SPDX text here for {spdx}")
    text = SPDX[spdx].format(copyright=npm_copyright(pkg_dir))
    return e["version"], spdx, (f"(node_modules/{name} ships no licence file; its package.json says {spdx}. "
                                f"The {spdx} text with the copyright line of its sources:)\n\n" + text)


def dep5_paragraphs(text: str) -> list[dict]:
    paras = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        fields, key = {}, None
        for line in block.split("\n"):
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line
            elif ":" in line and not line.startswith("#"):
                key, v = line.split(":", 1)
                fields[key] = v.strip()
        paras.append((fields, block))
    return paras


def debian_copyright(package: str, keep: list[str] | None) -> str:
    path = os.path.join(DEBIAN_DOC, package, "copyright")
    text = read_text(path)
    if keep is None:
        return text.strip("\n") + "\n"
    paras = dep5_paragraphs(text)
    if not paras or "Format" not in paras[0][0]:
        raise NoticeError(f"{path}: expected a machine-readable (DEP-5) copyright file")
    chosen, names, found = [paras[0][1]], set(), set()
    for fields, block in paras[1:]:
        files = fields.get("Files", "").split()
        hit = [f for f in files if f in keep]
        if hit:
            found.update(hit)
            chosen.append(block)
            first = fields.get("License", "").split("\n")[0]
            names.update(n.strip() for n in re.split(r"\bor\b|\band\b|\bwith\b|,", first) if n.strip())
    missing = [k for k in keep if k not in found]
    if missing:
        raise NoticeError(f"{path}: no 'Files:' stanza for {', '.join(missing)}")
    for fields, block in paras[1:]:
        if "Files" not in fields and fields.get("License", "").split("\n")[0].strip() in names:
            chosen.append(block)
    return "\n\n".join(chosen).strip("\n") + "\n"


def fence(text: str) -> str:
    return "```text\n" + text.rstrip("\n").replace("```", "'''") + "\n```\n"


def check_licence() -> None:
    """LICENSE is the MIT licence of the RadZ authors, the licence package.json names."""
    path = os.path.join(REPO, "LICENSE")
    text = read_text(path)
    if not text.startswith("MIT License\n") or "Copyright (c) " not in text or "The RadZ authors" not in text:
        raise NoticeError(f"{path}: expected the MIT licence, copyright The RadZ authors")
    pj = json.loads(read_text(os.path.join(REPO, "package.json")))
    if pj.get("license") != "MIT":
        raise NoticeError(f"package.json: license: expected MIT (as LICENSE), found {pj.get('license')}")


def generate() -> str:
    check_licence()
    lock_path = os.path.join(REPO, "package-lock.json")
    try:
        lock = json.loads(read_text(lock_path))
    except json.JSONDecodeError as e:
        raise NoticeError(f"{lock_path}: not JSON ({e.msg} at line {e.lineno})") from None
    out = ["# Third-party notices\n",
           "RadZ itself is under the MIT licence (LICENSE, copyright the RadZ authors). This file lists what "
           "RadZ's web page and native programs (the `radz` CLI, `radz-app`) bundle, compile in or load, with "
           "their licences, and the attribution its data and model require. It is generated by "
           "`python3 scripts/gen_notices.py` from package-lock.json, the npm packages in node_modules/ and "
           "Debian's /usr/share/doc/<package>/copyright; ctest's `notices_up_to_date` checks it is current. "
           "The web page shows it under \"About RadZ\", the desktop app under Help > About RadZ.\n"]
    out.append("## Data and model\n")
    out.append(DATA)
    out.append("## npm packages\n")
    for name, used in NPM:
        version, spdx, text = npm_licence(name, lock)
        out.append(f"### {name} {version} ({spdx})\n")
        out.append(f"Used in {used}.\n")
        out.append(fence(text))
    out.append("ONNX Runtime's own third-party notices (the libraries compiled into its wasm and shared "
               "library) are in ThirdPartyNotices.txt of https://github.com/microsoft/onnxruntime at tag "
               "v1.30.0; its npm packages do not carry that file.\n")
    out.append("## Debian packages\n")
    for package, used, keep in DEBIAN:
        out.append(f"### {package}\n")
        what = "the whole of" if keep is None else "the stanzas of the files used from"
        out.append(f"Used in {used}. Licence: {what} /usr/share/doc/{package}/copyright.\n")
        out.append(fence(debian_copyright(package, keep)))
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    ap.add_argument("--out", default=OUT, help="file to write or check (default THIRD_PARTY_NOTICES.md)")
    args = ap.parse_args()
    try:
        text = generate()
    except NoticeError as e:
        print(f"scripts/gen_notices.py: {e}", file=sys.stderr)
        return 1
    if args.check:
        try:
            with open(args.out, encoding="utf-8") as f:
                have = f.read()
        except OSError as e:
            print(f"{args.out}: cannot read ({e.strerror}): run python3 scripts/gen_notices.py", file=sys.stderr)
            return 1
        if have != text:
            a, b = have.split("\n"), text.split("\n")
            line = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            print(f"{args.out}: differs from the generator's output from line {line + 1} "
                  f"(regenerate: python3 scripts/gen_notices.py)", file=sys.stderr)
            return 1
        print(f"{args.out}: up to date ({len(text)} bytes)")
        return 0
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {args.out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
