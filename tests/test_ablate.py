"""Tests of the recipe levers and ablation baselines (scripts/radz: model.VisionCnn, train's sampling and
anchor-separation options, ablate's stage 1 sharing, vqa, clip, ablations' lever section).

    /usr/bin/python3 tests/test_ablate.py

Small tensors and hand values; no training beyond a few quick-size steps. Prints `N passed, N failed`.
"""
from __future__ import annotations

import collections
import json
import math
import os
import random
import sys
import tempfile
from dataclasses import asdict

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from py_runner import run_tests  # noqa: E402
from radz import ablate, clip, oof, text, train, vqa  # noqa: E402
from radz.ceiling import SmallCnn  # noqa: E402
from radz.model import ModelConfig, RadZ, init_weights, special_ids  # noqa: E402

torch.set_num_threads(1)
MODS = [m["id"] for m in text.MODALITIES]


def small_config(**kw) -> ModelConfig:
    c = dict(vocab_size=64, hidden_size=32, n_heads=2, n_layers=2, feature_dim=16, vision_width=16,
             vision_layers=1, vision_heads=2, stem_channels=(4, 8), cnn_widths=(4, 8, 8, 16), max_length=48, n_cls=2)
    c.update(kw)
    return ModelConfig(**c)


def test_cnn_encoder_emits_the_grid_and_batchnorm_starts_at_identity():
    for grid in (4, 8):
        m = RadZ(small_config(vision_arch="cnn", grid=grid))
        init_weights(m, torch.Generator().manual_seed(0))
        out = m.vision(torch.rand(3, 1, 64, 64))
        assert tuple(out.shape) == (3, grid * grid, 32), out.shape
        bns = [b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)]
        assert bns and all(float(b.weight.min()) == 1.0 and float(b.bias.abs().max()) == 0.0 for b in bns)
    try:
        RadZ(small_config(vision_arch="cnn", grid=2))
        raise AssertionError("grid 2 accepted")
    except ValueError as e:
        assert "grid" in str(e)
    try:
        RadZ(small_config(vision_arch="resnet"))
        raise AssertionError("unknown arch accepted")
    except ValueError as e:
        assert "vision_arch" in str(e) and "resnet" in str(e)


def test_ceiling_cnn_is_the_shared_body():
    # radz.ceiling's committed CNN rows were made before cnn_body was shared: same names, same shapes.
    names = [(n, tuple(p.shape)) for n, p in SmallCnn(14).named_parameters()]
    assert names[0] == ("body.0.weight", (24, 1, 3, 3)) and names[-2] == ("head.weight", (14, 128)), names[:1] + names[-2:]
    assert sum(p.numel() for p in SmallCnn(14).parameters()) == 427190


def test_anchor_separation_hand_values():
    e = torch.eye(3)
    fs = {"cxr": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    orth = {"a": e[0], "b": e[1], "c": e[2]}
    assert float(train.anchor_separation(orth, fs, 0.2)) == 0.0
    same = {"a": e[0], "b": e[0], "c": e[0]}                       # every pair cosine 1: (1 - 0.2)^2
    assert abs(float(train.anchor_separation(same, fs, 0.2)) - 0.64) < 1e-6
    half = {"a": e[0], "b": (e[0] + e[1]) / math.sqrt(2), "c": e[2]}
    # of the 6 ordered pairs only (a,b) and (b,a) exceed the margin: cosine 0.7071 -> (0.7071 - 0.2)^2 each
    g = 1 / math.sqrt(2)
    want = 2 * (g - 0.2) ** 2 / 6
    assert abs(float(train.anchor_separation(half, fs, 0.2)) - want) < 1e-6


def test_patient_sampling_weights_patients_not_images():
    items = [{"patient": 1}] * 18 + [{"patient": 2}, {"patient": 3}]
    rng = random.Random(0)
    draws = collections.Counter()
    for _ in range(200):
        for i in train.cxr_epoch_order(items, "patient", rng):
            draws[items[i]["patient"]] += 1
    total = sum(draws.values())
    for p in (1, 2, 3):                                            # each patient about a third
        assert abs(draws[p] / total - 1 / 3) < 0.03, draws
    assert train.cxr_epoch_order(items, "all", rng) == list(range(20))
    try:
        train.cxr_epoch_order(items, "class", rng)
        raise AssertionError("unknown sampling accepted")
    except SystemExit as e:
        assert "cxr_sampling" in str(e)


def test_stage2_decoder_full_trains_the_blocks_lora_only_the_adapters():
    sp = special_ids(2, MODS)
    names = {}
    for how in ("lora", "full"):
        model = RadZ(small_config(vocab_size=max(64, max(sp.modality.values()) + 1)))
        names[how] = {n for n, _ in train.set_stage2_trainable(model, sp, torch.Generator().manual_seed(0), how)}
    blocks = {n for n in names["full"] if n.startswith("decoder.blocks.") and ".lora_" not in n}
    assert blocks and not blocks & names["lora"], "full: the decoder blocks learn; lora: they do not"
    assert "decoder.pos" in names["full"] and "decoder.pos" not in names["lora"]
    assert names["lora"] < names["full"], "full trains everything lora trains, and more"
    assert all(n.startswith("decoder.") for n in names["full"] - names["lora"])
    try:
        train.set_stage2_trainable(RadZ(small_config()), sp, torch.Generator().manual_seed(0), "half")
    except SystemExit as e:
        assert "stage2_decoder" in str(e) and "half" in str(e)
    else:
        raise AssertionError("an unknown stage2_decoder is refused")


def test_stage1_key_ignores_stage2_and_encoder_options_only():
    a = ["--seed", "0", "--train-folds", "0,2,3,4", "--threads", "1", "--data", "x", "--out", "y", "--resume"]
    k = ablate.stage1_key(a)
    assert ablate.stage1_key(a + ["--vision-arch", "cnn", "--grid", "4", "--w-sep", "1", "--objective", "vqa",
                                  "--cxr-sampling", "patient", "--mri-match-cxr", "--mri-size", "128", "--w-local", "0",
                                  "--stage2-decoder", "full"]) == k
    assert ablate.stage1_key(a + ["--n-cls", "1"]) != k
    assert ablate.stage1_key([x if x != "0,2,3,4" else "0,1,2,4" for x in a]) != k
    assert ablate.stage1_key(a + ["--lm-epochs", "3"]) != k


def test_seed_stage1_takes_the_decoder_of_a_same_stage1_training_only():
    """ablate.seed_stage1 (radz.ablate and radz.oof): another training's stage 1 starts this one when only stage 2
    or encoder options differ; its decoder weights, this model's freshly initialised encoder."""
    base = json.loads(json.dumps(asdict(train.recipe_v1())))
    base["model"] = asdict(small_config())
    base["lm_epochs"] = 2
    m = RadZ(small_config())
    init_weights(m, torch.Generator().manual_seed(5))
    with tempfile.TemporaryDirectory() as t:
        src = os.path.join(t, "other", "train")
        os.makedirs(os.path.join(src, "checkpoints"))
        saved = json.loads(json.dumps(base))
        saved.pop("lm_glosses")          # an older config, without a newer option
        saved["threads"] = 1
        with open(os.path.join(src, "config.json"), "w") as f:
            json.dump(saved, f)
        torch.save({"stage": 1, "epoch": 1, "model": m.state_dict(), "optimizer": {}},
                   os.path.join(src, "checkpoints", "s1-e001.pt"))
        other = json.loads(json.dumps(base))
        other["model"]["n_cls"] = 1
        assert ablate.seed_stage1(other, os.path.join(t, "a"), [src]) is None
        other = json.loads(json.dumps(base))
        other["lm_glosses"] = "wordnet"
        assert ablate.seed_stage1(other, os.path.join(t, "b"), [src]) is None
        want = json.loads(json.dumps(base))
        want["model"].update(vision_arch="cnn", grid=4)
        want["w_sep"], want["input_sizes"] = 1.0, {"mri": 128}
        assert ablate.seed_stage1(want, os.path.join(t, "c"), [src]) == src
        got = torch.load(os.path.join(t, "c", "s1-e001.pt"))["model"]
        fresh = RadZ(small_config(vision_arch="cnn", grid=4))
        init_weights(fresh, torch.Generator().manual_seed(base["seed"]))
        for k, v in fresh.state_dict().items():
            expect = m.state_dict()[k] if k.startswith("decoder.") else v
            assert torch.equal(got[k], expect), k
        assert ablate.seed_stage1(want, os.path.join(t, "c"), [src]) is None    # a started training is left alone


def test_decoder_initialisation_does_not_depend_on_the_encoder():
    # what makes sharing stage 1 between a vit row and a cnn row exact
    m1, m2 = RadZ(small_config()), RadZ(small_config(vision_arch="cnn", grid=4))
    init_weights(m1, torch.Generator().manual_seed(3))
    init_weights(m2, torch.Generator().manual_seed(3))
    s1, s2 = m1.state_dict(), m2.state_dict()
    dec = [k for k in s1 if k.startswith("decoder.")]
    assert dec and all(torch.equal(s1[k], s2[k]) for k in dec)


def test_vqa_answer_scores_are_teacher_forced_log_probs():
    torch.manual_seed(0)
    m = RadZ(small_config())
    init_weights(m, torch.Generator().manual_seed(1))
    m.eval()
    prefix = torch.randn(2, 5, 32)
    qs, ans = [[7, 8, 9], [10, 11]], [[20, 21], [22]]
    got = vqa.answer_scores(m, prefix, qs, ans)
    for i in range(2):                                             # one sequence at a time, no padding
        x = torch.cat([prefix[i:i + 1], m.decoder.tok(torch.tensor([qs[i] + ans[i]]))], dim=1)
        h = m.decoder.hidden(x, torch.ones((1, x.shape[1]), dtype=torch.long), m.cfg.n_layers)
        logp = F.log_softmax(F.linear(m.decoder.ln_f(h), m.decoder.tok.weight), dim=-1)[0]
        want = sum(float(logp[5 + len(qs[i]) - 1 + j, a]) for j, a in enumerate(ans[i]))
        assert abs(float(got[i]) - want) < 1e-4, (i, float(got[i]), want)


def test_vqa_questions_never_name_a_held_out_finding():
    held = ["Pneumothorax", "Emphysema", "Fibrosis", "Mass"]
    fs = train.findings_by_modality(held)
    rng = random.Random(0)
    batch = [{"modality": "cxr", "positives": ["Mass", "Effusion"]}, {"modality": "cxr", "positives": ["No_Finding"]},
             {"modality": "mri", "positives": ["glioma"]}]
    for _ in range(50):
        for _, f, t in vqa.pick_questions(batch, fs, rng):
            assert f["id"] not in held
            text_q = vqa.QUESTION.format(name=f["display"].lower(), modality="chest x-ray")
            assert not text.check_no_leak([text_q], held), text_q


def test_clip_dual_encoder_features_are_unit_vectors():
    cfg = small_config(vision_arch="cnn", grid=4)
    m = clip.DualEncoder(cfg)
    init_weights(m, torch.Generator().manual_seed(0))
    img = m.image_features(torch.rand(2, 1, 64, 64))
    sp = special_ids(cfg.n_cls, MODS)
    txt, anc = m.text_features([[20, 21, 22], [23]], sp)
    for t in (img, txt, anc):
        assert tuple(t.shape)[1] == 16 and torch.allclose(t.norm(dim=1), torch.ones(len(t)), atol=1e-5)
    # padding does not change a text's feature
    alone, _ = m.text_features([[23]], sp)
    assert torch.allclose(alone[0], txt[1], atol=1e-5)


def test_every_row_parses_and_names_its_reference():
    ap_rows = set(ablate.ROWS)
    cands = {"v2", "v3", "v4", "v4-first"}   # candidate recipes: their row is the ablation row whose recipe they are
    assert set(ablate.REFERENCE) == ap_rows | cands, set(ablate.REFERENCE) ^ (ap_rows | cands)
    for name, (kind, what, opts) in ablate.ROWS.items():
        assert ablate.REFERENCE[name] in ap_rows | {"v1"} | cands
        assert opts[:2] in (["--recipe", "v1"], ["--recipe", "v2"]), f"{name}: a row names the recipe it starts from"
        cfg = train.make_config(ablate._args_of(["--out", "x"] + opts))
        assert cfg.objective in ("dfat", "vqa", "clip") and kind and what


def test_recipes_are_their_rows():
    """What ablations.md says: recipe v2 is the cnn-balanced-sep row; the default (shipped) is v4, the cnn-fulldec
    row's recipe (threads aside: v4 trains with one); v1 is the field defaults (vision transformer)."""
    cfg = lambda opts: asdict(train.make_config(ablate._args_of(["--out", "x"] + opts)))
    v2, row = cfg(["--recipe", "v2"]), cfg(ablate.ROWS["cnn-balanced-sep"][2])
    assert v2 == row, sorted(k for k in v2 if v2[k] != row[k])
    v1 = cfg(["--recipe", "v1"])
    assert v1 == asdict(train.recipe_v1())
    assert v1["model"]["vision_arch"] == "vit" and v1["w_sep"] == 0 and v1["cxr_sampling"] == "all"
    v4 = cfg([])
    assert v4 == cfg(["--recipe", "v4"]) and v4["threads"] == 1 and v4["stage2_decoder"] == "full"
    assert v4 == {**cfg(ablate.ROWS["cnn-fulldec"][2]), "threads": 1}
    assert oof.same_recipe(oof.fold_config(1, 0, []), oof.fold_config(1, 0, ablate.ROWS["cnn-fulldec"][2]))
    assert not oof.same_recipe(oof.fold_config(1, 0, []), oof.fold_config(1, 0, ["--recipe", "v1"]))
    try:
        cfg(["--quick", "--recipe", "v4"])
        raise AssertionError("expected SystemExit")
    except SystemExit as e:
        assert "--quick has its own recipe" in str(e), str(e)


def test_candidates_are_their_rows_recipes():
    """ablations.CANDIDATES: each candidate's reference row is the ablation row whose recipe it is (its folds 1
    and 3 are that row's models, exported by radz.oof)."""
    from radz import ablations
    assert set(ablations.CANDIDATES) == {k for k in ablate.REFERENCE if k not in ablate.ROWS}
    for name, c in ablations.CANDIDATES.items():
        assert ablate.REFERENCE[name] == c["row"] and c["row"] in ablate.ROWS, name
    run = {n: c["made_by"].split(" -- ")[1].split("`")[0].split() for n, c in ablations.CANDIDATES.items()
           if " -- " in c["made_by"]}
    assert {"v3", "v4"} <= set(run)
    for name, opts in run.items():   # the radz.oof command it names trains its row's recipe
        c = ablations.CANDIDATES[name]
        assert oof.same_recipe(oof.fold_config(1, 0, ablate.ROWS[c["row"]][2]), oof.fold_config(1, 0, opts)), name
    assert not oof.same_recipe(oof.fold_config(1, 0, run["v4"]), oof.fold_config(1, 0, ablate.ROWS["cnn"][2]))


def test_same_options_compares_recipes_not_spellings():
    from radz import ablations
    assert ablations.same_options(["--vision-arch", "cnn", "--grid", "4"], ablate.ROWS["cnn"][2])
    assert not ablations.same_options(["--vision-arch", "cnn", "--grid", "8"], ablate.ROWS["cnn"][2])
    assert not ablations.same_options(ablate.ROWS["cnn"][2], ablate.ROWS["cnn-fulldec"][2])


def test_cnn_with_two_input_sizes_is_refused():
    """BatchNorm statistics differ between input sizes (train.check_recipe): the CNN encoder takes one size."""
    cfg = train.make_config(ablate._args_of(["--out", "x", "--recipe", "v2", "--mri-size", "128"]))
    try:
        train.check_recipe(cfg)
        raise AssertionError("expected SystemExit")
    except SystemExit as e:
        assert "one input size" in str(e) and "[64, 128]" in str(e), str(e)
    train.check_recipe(train.make_config(ablate._args_of(["--out", "x", "--recipe", "v2"])))
    train.check_recipe(train.make_config(ablate._args_of(["--out", "x", "--recipe", "v1", "--mri-size", "128"])))


def test_config_drop_newer_keeps_every_changed_option():
    """An option newer than a saved config is dropped only at its v1 value (train.config_drop_newer)."""
    now = json.loads(json.dumps(asdict(train.recipe_v1())))
    saved = {k: v for k, v in now.items() if k != "lm_glosses"}
    assert train.config_drop_newer(saved, now) == saved
    now["lm_glosses"] = "wordnet"
    assert train.config_drop_newer(saved, now)["lm_glosses"] == "wordnet"


def test_oof_candidate_recipe_and_ablation_reuse():
    """radz.oof --out-dir D -- RECIPE: the recipe reaches the fold's config; a finished ablation fold with the
    same config (threads aside) is found, an unfinished or different one is not; the shipped folder refuses
    a recipe."""
    cfg = oof.fold_config(3, 0, ["--recipe", "v1", "--mri-size", "128"])
    assert cfg["input_sizes"] == {"mri": 128} and cfg["train_folds"] == [0, 1, 2, 4], cfg
    with tempfile.TemporaryDirectory() as root:
        def row(name, conf, done=True):
            d = os.path.join(root, name, "fold3", "train")
            os.makedirs(d)
            saved = json.loads(json.dumps(conf))
            saved["threads"] = 1
            saved["model"]["vocab_size"] = 1999
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(saved, f)
            if done:
                open(os.path.join(d, "weights.sha256"), "w").close()
            return d
        row("a-other", oof.fold_config(3, 0, ["--recipe", "v1", "--mri-size", "192"]))
        row("b-unfinished", cfg, done=False)
        assert oof.finished_ablation(3, cfg, root) is None
        want = row("c-same", cfg)
        assert oof.finished_ablation(3, cfg, root) == want
        assert oof.finished_ablation(1, cfg, root) is None
    for argv, msg in ((["--", "--mri-size", "128"], "needs an --out-dir of its own"),
                      (["--out-dir", "/tmp/x", "--report-only"], "leave --out-dir out"),
                      (["--out-dir", "/tmp/x", "--folds", "1", "--", "--no-such-option"], "not radz.train options")):
        try:
            oof.main(argv)
            raise AssertionError(f"{argv}: expected SystemExit")
        except SystemExit as e:
            assert msg in str(e), (argv, str(e))


if __name__ == "__main__":
    sys.exit(run_tests(dict(globals())))
