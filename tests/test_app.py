"""End-to-end test of the desktop app (radz-app) in its test mode, under a virtual X server.

Runs `radz-app --image X --screenshot --results --layout` and `radz classify --json` on the
same image and checks:
  - the app's results equal the CLI's (`radz compare` with tight tolerances, and number by number);
  - the image region of the screenshot correlates with the input image (>= 0.9 after resizing);
  - one bar per finding, sorted, each bar's length in the layout and in the screenshot's pixels
    matching its probability;
  - a missing model gives a one-line error and a non-zero exit;
  - a folder of DICOM files: each one's modality from its tags, a CT refused, no header text;
  - Help > About RadZ (--show about) shows LICENSE and THIRD_PARTY_NOTICES.md byte for byte (their
    sha256 in the layout) in a window with text on it (the screenshot's pixels).
Prints one line per check and a final "N passed, N failed"; exits 1 on any failure.

    /usr/bin/python3 tests/test_app.py --app build/radz-app --cli build/radz \
        --model build/quick-package --work build/test_app_work [--image X.png] [--keep-screenshot F]
"""
import argparse
import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent

TIMEOUT_S = 400


class checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok   {name}" + (f": {detail}" if detail else ""))
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return ok


def run(cmd: list, out_path: Path = None, env: dict = None) -> subprocess.CompletedProcess:
    print("$ " + " ".join(str(c) for c in cmd))
    stdout = open(out_path, "wb") if out_path else subprocess.PIPE
    try:
        return subprocess.run([str(c) for c in cmd], stdout=stdout, stderr=subprocess.PIPE, timeout=TIMEOUT_S,
                              env=env)
    finally:
        if out_path:
            stdout.close()


def golden_cxr_image(model: Path) -> Path:
    golden = json.loads((model / "golden" / "golden.json").read_text())
    for im in golden["images"]:
        if im["modality"] == "cxr":
            return model / "golden" / im["file"]
    raise SystemExit(f"{model}/golden/golden.json: no cxr image")


_own_x_server = None   # the Xvfb this test started (see start_x_server)


def start_x_server() -> None:
    """One Xvfb for the whole test when there is no display (the usual case in tests).

    Not xvfb-run per app run: its clean-up races with the server's shutdown and now and then exits 5
    ("problem while cleaning up temporary directory") in place of the app's own exit code, which made
    the exit-code checks flaky. -displayfd picks a free display number and writes it once ready."""
    global _own_x_server
    if os.environ.get("DISPLAY") and not os.environ.get("RADZ_TEST_FORCE_XVFB"):
        return
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        raise SystemExit("test_app.py: no DISPLAY and no Xvfb (apt-get install xvfb)")
    rfd, wfd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(wfd), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            pass_fds=(wfd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    ready, _, _ = select.select([rfd], [], [], 60)
    number = os.read(rfd, 64).decode().strip() if ready else ""
    os.close(rfd)
    if not number.isdigit():
        proc.kill()
        raise SystemExit("test_app.py: Xvfb did not report a display within 60 s")
    _own_x_server = proc
    os.environ["DISPLAY"] = ":" + number


def stop_x_server() -> None:
    if _own_x_server is not None:
        _own_x_server.terminate()
        try:
            _own_x_server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _own_x_server.kill()


def x_server_cmd() -> list:
    """Nothing to prefix: the display is the caller's or the one start_x_server started."""
    if not os.environ.get("DISPLAY"):
        raise SystemExit("test_app.py: no display (start_x_server was not called)")
    return []


def grey(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"), dtype=np.float64)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d > 0 else 0.0


def fill_run_length(shot: np.ndarray, bar: dict) -> float:
    """Pixels of the bar's fill colour along its middle row, counted from the track's left end."""
    color = np.array(bar["fill_color"], dtype=np.int32)
    t = bar["track"]
    y = int(t["y"] + t["h"] / 2)
    x0 = int(round(t["x"]))
    x1 = int(round(t["x"] + t["w"]))
    row = shot[y, x0:x1, :3].astype(np.int32)
    near = np.abs(row - color).max(axis=1) <= 24
    n = 0
    while n < len(near) and near[n]:
        n += 1
    return float(n)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True, type=Path)
    ap.add_argument("--cli", required=True, type=Path)
    ap.add_argument("--model", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--image", type=Path, help="default: the package's first golden chest X-ray")
    ap.add_argument("--keep-screenshot", type=Path, help="copy the screenshot here (docs/app-screenshot.png)")
    args = ap.parse_args()

    c = checks()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if not (args.model / "manifest.json").is_file():
        c.check("model package", False, f"{args.model}/manifest.json not found (scripts/build_package.sh --quick)")
        print(f"{c.passed} passed, {c.failed} failed")
        return 1
    image = args.image or golden_cxr_image(args.model)
    shot_path, app_json, layout_path = work / "app.png", work / "app.json", work / "layout.json"
    cli_json = work / "cli.json"
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(work / "config")  # never the user's settings

    # 1. The app in test mode.
    r = run(x_server_cmd() + [args.app, "--image", image, "--model", args.model, "--ep", "cpu", "--modality", "cxr",
                               "--screenshot", shot_path, "--results", app_json, "--layout", layout_path], env=env)
    app_ok = c.check("radz-app test mode exits 0", r.returncode == 0,
                     f"exit {r.returncode}; stderr: {r.stderr.decode(errors='replace').strip()[-800:]}")
    for p in (shot_path, app_json, layout_path):
        c.check(f"radz-app wrote {p.name}", p.is_file() and p.stat().st_size > 0)
    if not (app_ok and shot_path.is_file() and app_json.is_file() and layout_path.is_file()):
        print(f"{c.passed} passed, {c.failed} failed")
        return 1
    if args.keep_screenshot:
        shutil.copyfile(shot_path, args.keep_screenshot)

    # 2. The same image through the CLI; the app's results must equal them.
    r = run([args.cli, "classify", "--json", "--ep", "cpu", "--modality", "cxr", "--model", args.model, image],
            out_path=cli_json)
    c.check("radz classify --json exits 0", r.returncode == 0, r.stderr.decode(errors="replace").strip()[-400:])
    r = run([args.cli, "compare", cli_json, app_json, "--tol-prob", "1e-7", "--tol-cos", "1e-7",
             "--tol-logit", "1e-6", "--min-feature-cos", "0.9999999"])
    c.check("radz compare CLI vs app (tolerances 1e-7)", r.returncode == 0,
            (r.stdout + r.stderr).decode(errors="replace").strip().splitlines()[-1:])
    app = json.loads(app_json.read_text())
    cli = json.loads(cli_json.read_text())
    c.check("app results name the app", app["program"]["name"] == "radz-app", app["program"]["name"])
    a_im, c_im = app["images"][0], cli["images"][0]
    same = (a_im["sha256"] == c_im["sha256"] and
            [(f["id"], f["probability"], f["logit"], f["cosine"], f["calibrated"]) for f in a_im["findings"]] ==
            [(f["id"], f["probability"], f["logit"], f["cosine"], f["calibrated"]) for f in c_im["findings"]] and
            a_im.get("feature") == c_im.get("feature"))
    c.check("app and CLI findings and feature identical (9 significant digits)", same)

    # 3. The screenshot's image region is the input image.
    layout = json.loads(layout_path.read_text())
    shot_img = Image.open(shot_path).convert("RGB")
    shot = np.asarray(shot_img)
    c.check("screenshot size = window", shot.shape[1] == layout["window"]["width"] and
            shot.shape[0] == layout["window"]["height"], f"{shot.shape[1]}x{shot.shape[0]}")
    rect = layout.get("image")
    if c.check("layout has the image rectangle", bool(rect) and rect["w"] >= 64 and rect["h"] >= 64, str(rect)):
        src = Image.open(image)
        box = (int(round(rect["x"])), int(round(rect["y"])), int(round(rect["x"] + rect["w"])),
               int(round(rect["y"] + rect["h"])))
        region = shot_img.crop(box).resize(src.size, Image.BOX)
        r_img = correlation(grey(region), grey(src))
        c.check("screenshot image region correlates with the input (>= 0.9)", r_img >= 0.9, f"r = {r_img:.4f}")
        # And something else is not: a shifted crop of the window must not correlate as well.
        off = shot_img.crop((0, 0, box[2] - box[0], box[3] - box[1])).resize(src.size, Image.BOX)
        c.check("a region away from the image does not (< 0.5)", correlation(grey(off), grey(src)) < 0.5)

    # 4. Bars: one per finding with signal, sorted, lengths match the probabilities; findings the
    #    core marks no_signal are listed apart, without a bar.
    bars = layout["bars"]
    probs = {f["id"]: f["probability"] for f in a_im["findings"] if not f["no_signal"]}
    c.check("one bar per finding with signal", sorted(b["id"] for b in bars) == sorted(probs),
            f"{len(bars)} bars, {len(probs)} findings")
    c.check("no_signal findings listed apart, without a bar",
            sorted(x["id"] for x in layout["no_signal"]) == sorted(f["id"] for f in a_im["findings"] if f["no_signal"]),
            str(layout["no_signal"]))
    c.check("bars show the results' probabilities",
            all(abs(b["probability"] - probs.get(b["id"], -1)) <= 1e-9 for b in bars))
    normal = [b for b in bars if b["id"] == "No_Finding"]
    others = [b["probability"] for b in bars if b["id"] != "No_Finding"]
    c.check("findings sorted by probability", others == sorted(others, reverse=True))
    c.check("No_Finding placed apart, after the others",
            not normal or bars[-1]["id"] == "No_Finding")
    geo = [abs(b["fill"]["w"] - b["probability"] * b["track"]["w"]) for b in bars]
    c.check("bar fill = probability x track (layout, 0.5 px)", max(geo) <= 0.5, f"max error {max(geo):.3f} px")
    errs = []
    for b in bars:
        measured = fill_run_length(shot, b)
        errs.append((abs(measured - b["probability"] * b["track"]["w"]), b["id"], measured))
    worst = max(errs)
    c.check("bar lengths in the screenshot's pixels match the probabilities (2 px)", worst[0] <= 2.0,
            f"worst {worst[1]}: {worst[0]:.2f} px off ({worst[2]:.0f} px of its colour)")
    spread = max(b["probability"] for b in bars) - min(b["probability"] for b in bars)
    c.check("the bars differ (probabilities spread over >= 5%)", spread >= 0.05, f"spread {spread:.3f}")
    uncal = [b for b in bars if not b["calibrated"]]
    c.check("uncalibrated findings drawn in their own colour",
            all(b["fill_color"] != bars[0]["fill_color"] for b in uncal if bars[0]["calibrated"]))

    # 4b. A copy of the package whose evidence marks the most likely finding (and Effusion) as
    #     without signal (tests/no_signal_package.py): the app lists them under "No reliable
    #     signal in this model", never as a bar or a percentage, with the same scores.
    top = max((f for f in a_im["findings"] if not f["no_signal"] and f["source"] == "package"),
              key=lambda f: f["probability"])["id"]
    ns_pkg = work / "no-signal-package"
    r = run([sys.executable, REPO / "tests" / "no_signal_package.py", args.model, ns_pkg, top, "Effusion"])
    c.check("a package copy with a finding without signal", r.returncode == 0, r.stderr.decode(errors="replace")[-300:])
    ns_json, ns_layout, ns_shot = work / "ns.json", work / "ns_layout.json", work / "ns.png"
    r = run(x_server_cmd() + [args.app, "--image", image, "--model", ns_pkg, "--ep", "cpu", "--modality", "cxr",
                               "--screenshot", ns_shot, "--results", ns_json, "--layout", ns_layout], env=env)
    if c.check("radz-app on the no-signal copy exits 0", r.returncode == 0 and ns_layout.is_file() and ns_json.is_file(),
               r.stderr.decode(errors="replace").strip()[-400:]):
        lay = json.loads(ns_layout.read_text())
        res = json.loads(ns_json.read_text())["images"][0]["findings"]
        marked = {f["id"] for f in res if f["no_signal"]}
        apart = [x["id"] for x in lay["no_signal"]]
        c.check("no_signal findings: in the results, listed apart, no bar",
                {top, "Effusion"} <= marked and sorted(apart) == sorted(marked) and
                not any(b["id"] in marked for b in lay["bars"]),
                f"marked {sorted(marked)}, apart {apart}, bars {[b['id'] for b in lay['bars']]}")
        c.check("no_signal: scores unchanged",
                [(f["id"], f["probability"]) for f in res] == [(f["id"], f["probability"]) for f in a_im["findings"]])
        px = grey(Image.open(ns_shot)) if ns_shot.is_file() else np.zeros((1, 1))
        rows = lay["no_signal"]
        drawn = all(px[int(x["row"]["y"]):int(x["row"]["y"] + x["row"]["h"]),
                       int(x["row"]["x"]):int(x["row"]["x"] + x["row"]["w"])].std() > 10.0 for x in rows)
        c.check("the no-signal rows are drawn (text in the screenshot)", bool(rows) and drawn)

    # 5. A folder batch with a finding added through the app's findings editor (the decoder
    #    makes its anchor), the parity view against the CLI doing the same, the table saved.
    batch = work / "batch"
    batch.mkdir()
    golden = json.loads((args.model / "golden" / "golden.json").read_text())
    sources = [args.model / "golden" / im["file"] for im in golden["images"] if im["modality"] == "cxr"][:3]
    for src in sources:
        shutil.copyfile(src, batch / src.name)
    batch_files = sorted(batch.iterdir())
    finding = ["--finding", "Rib fracture", "--description", "A break in the cortex of a rib.",
               "--description", "Discontinuity of a rib with displaced fragments."]
    cli2_json, app2_json, layout2 = work / "cli2.json", work / "app2.json", work / "layout2.json"
    saved = work / "app_anchors.json"
    r = run([args.cli, "classify", "--json", "--ep", "cpu", "--model", args.model] + finding + batch_files,
            out_path=cli2_json)
    c.check("radz classify --json --finding on the batch exits 0", r.returncode == 0,
            r.stderr.decode(errors="replace").strip()[-400:])
    r = run(x_server_cmd() + [args.app, "--image", batch, "--model", args.model, "--ep", "cpu"] + finding +
            ["--parity", cli2_json, "--results", app2_json, "--layout", layout2, "--save-anchors", saved], env=env)
    c.check("radz-app on a folder with an added finding exits 0", r.returncode == 0,
            f"exit {r.returncode}; {r.stderr.decode(errors='replace').strip()[-600:]}")
    if app2_json.is_file() and layout2.is_file():
        app2 = json.loads(app2_json.read_text())
        ids = [f["id"] for f in app2["images"][0]["findings"]] if app2["images"] else []
        c.check("batch: every image of the folder, the user finding last and uncalibrated",
                len(app2["images"]) == len(batch_files) and ids and ids[-1] == "Rib_fracture" and
                not app2["images"][0]["findings"][-1]["calibrated"], f"{len(app2['images'])} images, last {ids[-1:]}")
        r = run([args.cli, "compare", cli2_json, app2_json, "--tol-prob", "1e-7", "--tol-cos", "1e-7",
                 "--tol-logit", "1e-6", "--min-feature-cos", "0.9999999"])
        c.check("radz compare CLI vs app with the user finding (1e-7)", r.returncode == 0,
                (r.stdout + r.stderr).decode(errors="replace").strip().splitlines()[-1:])
        par = json.loads(layout2.read_text()).get("parity") or {}
        c.check("the app's parity view passes against the CLI's file",
                par.get("pass") is True and par.get("images") == len(batch_files), str(par))
    else:
        c.check("batch run wrote its results and layout", False)
    if saved.is_file():
        cli3_json = work / "cli3.json"
        r = run([args.cli, "classify", "--json", "--ep", "cpu", "--model", args.model, "--anchors", saved] +
                batch_files, out_path=cli3_json)
        r2 = run([args.cli, "compare", cli2_json, cli3_json, "--tol-prob", "1e-7", "--tol-cos", "1e-7",
                  "--tol-logit", "1e-6"]) if r.returncode == 0 else r
        c.check("the app's saved anchor table gives the CLI the same results", r.returncode == 0 and r2.returncode == 0,
                (r2.stdout + r2.stderr).decode(errors="replace").strip()[-300:])
    else:
        c.check("radz-app saved the anchor table", False)

    # 6. The parity view fails on a real difference: the first run's CLI file lacks the finding.
    #    The same run opens Help > About RadZ (--show about).
    layout3, shot3 = work / "layout3.json", work / "shot3.png"
    r = run(x_server_cmd() + [args.app, "--image", image, "--model", args.model, "--ep", "cpu"] + finding +
            ["--parity", cli_json, "--layout", layout3, "--show", "about", "--screenshot", shot3], env=env)
    lay3 = json.loads(layout3.read_text()) if layout3.is_file() else {}
    par = lay3.get("parity") or {}
    c.check("the parity view fails when a finding is on one side only", r.returncode == 0 and par.get("pass") is False,
            str(par))

    # The About window: LICENSE and THIRD_PARTY_NOTICES.md as compiled in, on screen.
    about = lay3.get("about") or {}
    want = {k: hashlib.sha256((REPO / f).read_bytes()).hexdigest()
            for k, f in (("licence_sha256", "LICENSE"), ("notices_sha256", "THIRD_PARTY_NOTICES.md"))}
    c.check("About RadZ shows LICENSE and THIRD_PARTY_NOTICES.md as they are in the repository",
            r.returncode == 0 and all(about.get(k) == v for k, v in want.items()),
            f"layout: {about or 'no About window drawn'}")
    ink = 0.0
    if about and shot3.is_file():
        px = grey(Image.open(shot3))
        x, y, w, h = (int(round(about[k])) for k in ("x", "y", "w", "h"))
        region = px[max(y, 0):y + h, max(x, 0):x + w]
        ink = float(region.std()) if region.size else 0.0
    c.check("About RadZ window is drawn with text in the screenshot", ink > 10.0, f"pixel std {ink:.1f}")

    # 7. The same images in a child process (the radz CLI beside the app, the app's anchor table):
    #    the parity view compares it with the app's own results.
    layout4 = work / "layout4.json"
    r = run(x_server_cmd() + [args.app, "--image", batch, "--model", args.model, "--ep", "cpu"] + finding +
            ["--child-ep", "cpu", "--layout", layout4], env=env)
    par = (json.loads(layout4.read_text()).get("parity") or {}) if layout4.is_file() else {}
    c.check("child process on cpu: parity view passes", r.returncode == 0 and par.get("pass") is True and
            "child process" in par.get("reference", "") and par.get("images") == len(batch_files),
            f"exit {r.returncode}: {par or r.stderr.decode(errors='replace').strip()[-300:]}")

    # 8. Switching provider (WebGPU on SwiftShader's software Vulkan, when Chromium provides it):
    #    every image is classified again and compared with the results from before.
    icd = Path("/usr/lib/chromium/vk_swiftshader_icd.json")
    if icd.is_file():
        layout5, app5 = work / "layout5.json", work / "app5.json"
        env5 = dict(env, VK_ICD_FILENAMES=str(icd))
        r = run(x_server_cmd() + [args.app, "--image", image, "--model", args.model, "--ep", "cpu",
                                   "--switch-ep", "webgpu", "--results", app5, "--layout", layout5], env=env5)
        lay = json.loads(layout5.read_text()) if layout5.is_file() else {}
        par = lay.get("parity") or {}
        doc = json.loads(app5.read_text()) if app5.is_file() else {}
        c.check("switch to webgpu: results on webgpu, parity against the cpu results within 1e-4",
                r.returncode == 0 and lay.get("provider") == "webgpu" and
                doc.get("backend", {}).get("execution_provider") == "webgpu" and
                "before switching (cpu)" in par.get("reference", "") and par.get("pass") is True,
                f"exit {r.returncode}: provider {lay.get('provider')}, parity {par}; "
                f"{r.stderr.decode(errors='replace').strip()[-300:]}")
    else:
        print(f"skip switch to webgpu: no {icd} (chromium's SwiftShader)")

    # 8b. Modality detection and the gate (docs/model-package.md section 11): a brain MRI opened
    #     without --modality is scored as MRI by the detector; a blank frame gets "not a ..." and
    #     no bars (the contrast rule, whatever the head learned).
    mri_img = sorted(p for p in (args.model / "golden").iterdir() if p.suffix == ".jpg")[0]
    blank = REPO / "tests" / "data" / "ood" / "flat_grey.png"  # a constant grey frame (tests/data/ood/README.md)
    for name, img, want in (("mri", mri_img, "mri"), ("blank", blank, None)):
        lay_p, res_p, shot_p = work / f"layout_{name}.json", work / f"app_{name}.json", work / f"app_{name}.png"
        r = run(x_server_cmd() + [args.app, "--image", img, "--model", args.model, "--ep", "cpu",
                                   "--screenshot", shot_p, "--results", res_p, "--layout", lay_p], env=env)
        lay = json.loads(lay_p.read_text()) if lay_p.is_file() else {}
        doc = json.loads(res_p.read_text()) if res_p.is_file() else {"images": [{}]}
        im = doc["images"][0]
        if want:
            c.check(f"app: a {want} image opened without --modality is scored as {want} by the detector",
                    r.returncode == 0 and lay.get("modality") == want and lay.get("modality_source") == "detector" and
                    lay.get("verdict") == "pass" and len(lay.get("bars", [])) + len(lay.get("no_signal", [])) > 0,
                    f"exit {r.returncode}: {lay.get('modality')}, {lay.get('modality_source')}, {lay.get('verdict')}")
        else:
            c.check("app: a blank frame is rejected with its reason, no bars, and the results say so",
                    r.returncode == 0 and lay.get("verdict") == "rejected" and
                    lay.get("verdict_text", "").startswith("not a ") and "blank frame" in lay.get("verdict_text", "") and
                    not lay.get("bars") and not lay.get("no_signal") and im.get("findings") == [] and
                    (im.get("detection") or {}).get("reason") == "blank",
                    f"exit {r.returncode}: {lay.get('verdict')}, {lay.get('verdict_text')!r}, bars {len(lay.get('bars', []))}")
            if args.keep_screenshot and shot_p.is_file():
                shutil.copyfile(shot_p, args.keep_screenshot.with_name("app-rejected.png"))

    # 9. The normal mode remembers the last folder and the model (app.json) and the window layout
    #    (imgui.ini) in $XDG_CONFIG_HOME/radz; it quits cleanly on SIGTERM.
    cfg = work / "config-normal"
    env9 = dict(os.environ, XDG_CONFIG_HOME=str(cfg))
    script = f'"$0" --model "$1" "$2" & pid=$!; sleep 15; kill -TERM $pid; wait $pid'
    r = run(x_server_cmd() + ["sh", "-c", script, args.app.resolve(), args.model, batch], env=env9)
    saved_cfg = {}
    if (cfg / "radz" / "app.json").is_file():
        saved_cfg = json.loads((cfg / "radz" / "app.json").read_text())
    c.check("settings: last folder and model remembered, layout saved",
            r.returncode == 0 and saved_cfg.get("last_folder") == str(batch.resolve()) and
            Path(saved_cfg.get("model", "")).resolve() == args.model.resolve() and
            (cfg / "radz" / "imgui.ini").is_file(),
            f"exit {r.returncode}, app.json {saved_cfg}")

    # 10. A missing model: a clear one-line error, exit 1.
    r = run(x_server_cmd() + [args.app, "--image", image, "--model", work / "no-such-model", "--results",
                               work / "none.json"], env=env)
    err = r.stderr.decode(errors="replace")
    c.check("missing model: exit 1 with an error naming it", r.returncode == 1 and "no-such-model" in err,
            f"exit {r.returncode}: {err.strip()[-300:]}")

    # 11. A folder of DICOM files dropped on the app (issue 17): found by preamble too, each one's
    # modality from its tags, a CT refused, no header text in the results.
    dicom = work / "dicom"
    dicom.mkdir()
    for n in ("cxr_explicit.dcm", "cxr_implicit", "mri_jpeg_baseline.dcm", "ct_chest.dcm"):
        (dicom / n).symlink_to(REPO / "tests" / "data" / "dicom" / n)
    dicom_json = work / "dicom.json"
    r = run(x_server_cmd() + [args.app, "--image", dicom, "--model", args.model, "--ep", "cpu",
                               "--results", dicom_json], env=env)
    try:
        doc = json.loads(dicom_json.read_text())
        by = {Path(i["file"]).name: i for i in doc["images"]}
        ok = (by["cxr_explicit.dcm"]["modality"] == "cxr" and "findings" in by["cxr_explicit.dcm"] and
              by["cxr_implicit"]["modality"] == "cxr" and by["mri_jpeg_baseline.dcm"]["modality"] == "mri" and
              by["mri_jpeg_baseline.dcm"]["dicom"] == {"modality": "MR", "body_part_examined": "HEAD"} and
              "modality CT is not covered" in by["ct_chest.dcm"]["error"]["message"] and
              "PRIVATE" not in dicom_json.read_text())
        detail = json.dumps({k: (v["modality"], v.get("error")) for k, v in by.items()})
    except (OSError, ValueError, KeyError) as e:
        ok, detail = False, f"exit {r.returncode}: {e}; {r.stderr.decode(errors='replace').strip()[-300:]}"
    c.check("a folder of DICOM files: modality from the tags, CT refused, no header text", ok, detail)

    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    start_x_server()
    try:
        status = main()
    finally:
        stop_x_server()
    sys.exit(status)
