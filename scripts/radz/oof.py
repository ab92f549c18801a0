"""5-fold out-of-fold evaluation: one model per NIH fold, trained on the other four exactly as the shipped
model is trained, its per-image predictions on the fold it did not see committed as soon as it is done.

    cd scripts && /usr/bin/python3 -m radz.oof            (hours on 2 cores: run it in the background)

For each fold F (in the order 1, 3, 0, 2, 4: fold 1 is the shipped model's own held-out fold, fold 3
holds most held-out-finding positives):
  1. the package: fold 1 reuses assets/models/radz-tiny when its recipe is this one (same config and
     seed, folds 0,2,3,4); otherwise `python3 -m radz.build --train-folds <others> --seed S` builds it
     under assets/models/oof-work/foldF/ (resumes from the last epoch checkpoint there);
  2. predictions of every variant on fold F's images (results schema, docs/results/oof/foldF.V.json),
     and of fp32 with plain-name anchors for the held-out findings (foldF.plain-names.json);
  3. foldF.meta.json (weights and manifest hashes, recipe, timings) last: a fold is done when it exists;
  4. `git commit` of those files, then docs/results/accuracy.md regenerated (radz.report) and committed.
Rerunning skips done folds and resumes an interrupted one. --no-commit leaves git alone.

Another recipe (a candidate, measured before it may replace the shipped one): radz.train's options after
`--`, and a folder of its own for the predictions, e.g.

    cd scripts && /usr/bin/python3 -m radz.oof --out-dir ../docs/results/oof-v3 -- --recipe v1 --mri-size 128

Its packages are built under assets/models/oof-work/<out-dir name>/foldF/; fold 1's package (the one the
candidate would ship) leaves its brain MRI test-split results in the folder too (mri-test.fp32.json,
eval.fp32.json); accuracy.md (the shipped recipe's report) is left alone. A fold whose model an ablation row (radz.ablate) trained with the same config and
seed is not trained again: its training folder (config, tokenizer, last checkpoint) is copied and the build
only exports it; otherwise a finished stage 1 of the same stage 1 recipe (radz.ablate.stage1_key_of: another
recipe's fold F differing only in stage 2 or vision encoder options) starts the training at stage 2.

On 2 cores, three folds at once with --threads 1 (three runners with disjoint --folds) finish
sooner than one after another with 2 threads: small matrix products gain little from a second
thread. The thread count changes only the order of float sums, not the recipe.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict

from . import train as train_mod
from .train import DEFAULT_DATA, REPO_ROOT

ORDER = [1, 3, 0, 2, 4]
OUT_DIR = os.path.join(REPO_ROOT, "docs", "results", "oof")
WORK_DIR = os.path.join(REPO_ROOT, "assets", "models", "oof-work")
SHIPPED = os.path.join(REPO_ROOT, "assets", "models", "radz-tiny")
ABLATE_DIR = os.path.join(REPO_ROOT, "build", "ablate")     # radz.ablate's training folders


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now().strftime('%H:%M:%S')}] oof: {msg}", flush=True)


def fold_argv(fold: int, seed: int, recipe: list[str]) -> list[str]:
    return ["--seed", str(seed), "--train-folds", ",".join(str(k) for k in range(5) if k != fold), *recipe]


class _RecipeParser(argparse.ArgumentParser):
    def error(self, message):       # one line naming the options, not radz.train's whole usage
        raise SystemExit(f"recipe options {' '.join(self.recipe)!r}: not radz.train options ({message}; see "
                         "python3 -m radz.train --help)")


def fold_config(fold: int, seed: int, recipe: list[str] = ()) -> dict:
    ap = _RecipeParser()
    ap.recipe = list(recipe)
    train_mod.add_args(ap)
    args = ap.parse_args(fold_argv(fold, seed, list(recipe)))
    return json.loads(json.dumps(asdict(train_mod.make_config(args))))


def same_recipe(saved: dict, wanted: dict) -> bool:
    """Equal configs, ignoring the vocabulary size the tokenizer fills in, the thread count (it changes the
    order of float sums, not the recipe) and options newer than the package at their v1 value."""
    a, b = json.loads(json.dumps(saved)), json.loads(json.dumps(wanted))
    for c in (a, b):
        c.get("model", {}).pop("vocab_size", None)
        c.pop("threads", None)
    return a == train_mod.config_drop_newer(a, b)


def git(*args, check=True) -> subprocess.CompletedProcess:
    for attempt in range(20):
        r = subprocess.run(["git", "-C", REPO_ROOT, *args], capture_output=True, text=True)
        if r.returncode == 0 or "index.lock" not in r.stderr:
            break
        time.sleep(3)               # another git command holds the index: wait for it
    if check and r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {r.stderr.strip()}")
    return r


def commit(paths: list[str], message: str) -> None:
    rel = [os.path.relpath(p, REPO_ROOT) for p in paths]
    git("add", "--", *rel)
    if git("diff", "--cached", "--quiet", "--", *rel, check=False).returncode == 0:
        log(f"nothing to commit for {message!r}")
        return
    git("commit", "-q", "-m", message, "--", *rel)
    log(f"committed: {message}")


def finished_ablation(fold: int, wanted: dict, root: str = ABLATE_DIR) -> str | None:
    """An ablation row's training folder for this fold (build/ablate/<row>/foldF/train) with this config and
    its training finished (weights.sha256 written), or None."""
    for row in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        d = os.path.join(root, row, f"fold{fold}", "train")
        p = os.path.join(d, "config.json")
        if not os.path.exists(os.path.join(d, "weights.sha256")) or not os.path.exists(p):
            continue
        with open(p) as f:
            saved = json.load(f)
        if same_recipe(saved, wanted):
            return d
    return None


def seed_from_ablation(src: str, train_dir: str) -> None:
    """Copy a finished ablation training folder's config, tokenizer and last checkpoint into train_dir, so
    that radz.build --resume finds the last epoch done and only exports."""
    os.makedirs(os.path.join(train_dir, "checkpoints"), exist_ok=True)
    for name in ("config.json", "tokenizer.json"):
        shutil.copyfile(os.path.join(src, name), os.path.join(train_dir, name))
    last = train_mod.last_checkpoint(os.path.join(src, "checkpoints"))
    shutil.copyfile(last, os.path.join(train_dir, "checkpoints", os.path.basename(last)))


def package_for(fold: int, seed: int, data_dir: str, threads: int | None, recipe: list[str] = (),
                work_dir: str = WORK_DIR) -> tuple[str, str]:
    """(package folder, how it was obtained) for fold `fold`; builds it when needed."""
    wanted = fold_config(fold, seed, recipe)
    man = os.path.join(SHIPPED, "manifest.json")
    if os.path.exists(man):
        with open(man) as f:
            shipped = json.load(f)["recipe"]
        if same_recipe(shipped["config"], wanted):
            log(f"fold {fold}: the shipped package {os.path.relpath(SHIPPED, REPO_ROOT)} is this fold's model")
            return SHIPPED, "shipped"
    pkg = os.path.join(work_dir, f"fold{fold}", "package")
    ckpt = os.path.join(pkg + "-work", "train", "checkpoints")
    how = "built"
    if not (os.path.isdir(ckpt) and os.listdir(ckpt)):
        src = finished_ablation(fold, wanted)
        if src:
            log(f"fold {fold}: {os.path.relpath(src, REPO_ROOT)} trained this config: exporting its model")
            seed_from_ablation(src, os.path.dirname(ckpt))
            how = "ablation"
        else:
            from .ablate import seed_stage1
            dirs = sorted(glob.glob(os.path.join(WORK_DIR, "**", f"fold{fold}", "package-work", "train"), recursive=True)
                          + glob.glob(os.path.join(ABLATE_DIR, "*", f"fold{fold}", "train")))
            src = seed_stage1(wanted, ckpt, dirs)
            if src:
                log(f"fold {fold}: stage 1 is {os.path.relpath(src, REPO_ROOT)}'s (the same stage 1 recipe: its decoder, "
                    "this recipe's initial vision encoder)")
    resume = os.path.isdir(ckpt) and bool(os.listdir(ckpt))
    saved_cfg = os.path.join(os.path.dirname(ckpt), "config.json")
    if resume and os.path.exists(saved_cfg):   # (a stage 1 seeded from another training has no config yet)
        with open(saved_cfg) as f:
            threads = json.load(f)["threads"]    # radz.train --resume wants the saved config, thread count included
    argv = fold_argv(fold, seed, list(recipe)) + ["--out", pkg, "--data", data_dir]
    if threads is not None:
        argv += ["--threads", str(threads)]
    if resume:
        argv.append("--resume")
    log(f"fold {fold}: building {os.path.relpath(pkg, REPO_ROOT)} (python3 -m radz.build {' '.join(argv)})")
    t0 = time.time()
    r = subprocess.run([sys.executable, "-m", "radz.build", *argv], cwd=os.path.join(REPO_ROOT, "scripts"))
    if r.returncode != 0:
        raise SystemExit(f"fold {fold}: radz.build failed with exit code {r.returncode}")
    log(f"fold {fold}: package built in {time.time() - t0:.0f} s")
    return pkg, how


def run_fold(fold: int, seed: int, data_dir: str, threads: int | None, do_commit: bool, recipe: list[str] = (),
             out_dir: str = OUT_DIR, work_dir: str = WORK_DIR) -> None:
    from .predict import PackageVariant, image_list, plain_name_findings, predict, write_results
    from . import ort
    from .export import ORT_CONFIG
    t0 = time.time()
    pkg, how = package_for(fold, seed, data_dir, threads, recipe, work_dir)
    with open(os.path.join(pkg, "manifest.json")) as f:
        manifest = json.load(f)
    held_out = manifest["recipe"]["config"]["held_out"]
    ims = image_list(data_dir, [fold], None)
    os.makedirs(out_dir, exist_ok=True)
    written = []
    t1 = time.time()
    with ort.OrtSession(threads=threads or 2, config=ORT_CONFIG) as s:
        for v in manifest["variants"]:
            pv = PackageVariant(pkg, v)
            doc = predict(pv, data_dir, ims, threads or 2, session=s)
            p = os.path.join(out_dir, f"fold{fold}.{v}.json")
            write_results(p, doc)
            written.append(p)
        pv = PackageVariant(pkg, "fp32")
        extra = plain_name_findings(pv, held_out, session=s)
        doc = predict(pv, data_dir, ims, threads or 2, extra_findings=extra, only_extra=True, session=s)
        doc["anchors"]["source"] = "plain-names"
        p = os.path.join(out_dir, f"fold{fold}.plain-names.json")
        write_results(p, doc)
        written.append(p)
    meta = {"fold": fold, "images": len(ims), "package": os.path.relpath(pkg, REPO_ROOT), "obtained": how,
            "manifest_sha256": PackageVariant(pkg, "fp32").manifest_sha256,
            "weights_sha256": manifest["recipe"]["weights_sha256"], "recipe_command": manifest["recipe"]["command"],
            "seed": manifest["recipe"]["seed"], "train_folds": manifest["recipe"]["config"]["train_folds"],
            "threads": manifest["recipe"]["config"]["threads"],
            "recipe_options": list(recipe),
            "held_out": held_out, "variants": list(manifest["variants"]),
            "package_bytes": {v: sum(f["size"] for f in manifest["files"]
                                     if f["path"] in (e["vision"], e["decoder"], e["embeddings"], e["anchors"],
                                                      manifest["tokenizer"]["file"]))
                              for v, e in manifest["variants"].items()},
            "predict_s": round(time.time() - t1, 1), "total_s": round(time.time() - t0, 1),
            "finished": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()}
    results = pkg.rstrip("/") + "-results"
    if fold == 1 and out_dir != os.path.abspath(OUT_DIR) and os.path.isdir(results):
        # a candidate's fold 1 package is the one it would ship: keep its own brain MRI test-split results
        for name, dst in (("fp32.mri-test.json", "mri-test.fp32.json"), ("fp32.eval.json", "eval.fp32.json")):
            if os.path.exists(os.path.join(results, name)):
                shutil.copyfile(os.path.join(results, name), os.path.join(out_dir, dst))
                written.append(os.path.join(out_dir, dst))
    p = os.path.join(out_dir, f"fold{fold}.meta.json")
    with open(p + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    os.replace(p + ".tmp", p)
    written.append(p)
    log(f"fold {fold}: predictions written ({len(ims)} images, {len(manifest['variants'])} variants)")
    if do_commit:
        commit(written, f"{os.path.relpath(out_dir, REPO_ROOT)}: fold {fold} predictions ({how} model, weights {meta['weights_sha256'][:12]}), "
                        f"{len(ims)} images x {len(manifest['variants'])} variants")


def write_report(do_commit: bool) -> None:
    acc = os.path.join(REPO_ROOT, "docs", "results", "accuracy.md")
    r = subprocess.run([sys.executable, "-m", "radz.report", "--out", acc], cwd=os.path.join(REPO_ROOT, "scripts"))
    if r.returncode != 0:
        log(f"radz.report failed (exit {r.returncode}); the fold predictions stay committed")
        return
    if do_commit:
        commit([acc], "accuracy.md: regenerated from the out-of-fold predictions done so far")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", default=",".join(map(str, ORDER)), help="folds to run, in this order")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--no-commit", action="store_true")
    ap.add_argument("--report-only", action="store_true", help="only regenerate docs/results/accuracy.md")
    ap.add_argument("--out-dir", default=OUT_DIR,
                    help="folder of the predictions (default docs/results/oof, the shipped recipe's; another one for a "
                         "candidate recipe)")
    ap.add_argument("recipe", nargs="*", metavar="-- RECIPE",
                    help="radz.train options of the recipe, after -- (default: none, the shipped recipe)")
    args = ap.parse_args(argv)
    out_dir = os.path.abspath(args.out_dir)
    shipped_dir = out_dir == os.path.abspath(OUT_DIR)
    if shipped_dir and args.recipe:
        raise SystemExit(f"--out-dir {OUT_DIR} holds the shipped recipe's predictions: a recipe "
                         f"({' '.join(args.recipe)}) needs an --out-dir of its own")
    if not shipped_dir and args.report_only:
        raise SystemExit("--report-only writes accuracy.md, the shipped recipe's report: leave --out-dir out")
    work_dir = WORK_DIR if shipped_dir else os.path.join(WORK_DIR, os.path.basename(out_dir))
    for fold in [] if args.report_only else [int(x) for x in args.folds.split(",")]:
        fold_config(fold, args.seed, args.recipe)     # a bad option fails here, before any work
    if not args.report_only:
        for fold in [int(x) for x in args.folds.split(",")]:
            if os.path.exists(os.path.join(out_dir, f"fold{fold}.meta.json")):
                log(f"fold {fold}: done already ({os.path.relpath(out_dir, REPO_ROOT)}/fold{fold}.meta.json)")
                continue
            run_fold(fold, args.seed, os.path.abspath(args.data), args.threads, not args.no_commit, args.recipe,
                     out_dir, work_dir)
            if shipped_dir:
                write_report(not args.no_commit)
    else:
        write_report(not args.no_commit)
    log("all requested folds done" if not args.report_only else "report written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
