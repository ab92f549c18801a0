"""Tests of scripts/radz/text.py: held-out findings never reach training text, and the leak check works.

    /usr/bin/python3 tests/test_text_leaks.py [--data ../shared/data]

For the recipe's default held-out set and for every finding held out on its own, generates the
training text the way training does (reports for every training image: NIH training folds
without held-out positives, the brain MRI train split; the descriptions of the seen findings;
their DKAM texts) and checks that `check_no_leak` finds nothing. Then plants leaks (upper case,
underscores, hyphens, plurals, adjectives) and checks that they are caught, and that look-alikes
("massive") are not. Also checks the findings table, the descriptions' length and that no
description names another finding. Prints `N passed, N failed`.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from radz import splits, text  # noqa: E402
from py_runner import run_tests  # noqa: E402

# The recipe's default (scripts/radz/train.py DEFAULT_HELD_OUT), read from the source so that this
# test does not import torch; a missing or changed line fails the test that uses it.
TRAIN_FOLDS = [0, 2, 3, 4]
ALL_IDS = [f["id"] for f in text.FINDINGS]


def default_held_out() -> list[str]:
    with open(os.path.join(REPO, "scripts", "radz", "train.py")) as f:
        m = re.search(r"^DEFAULT_HELD_OUT = (\[[^\]]*\])", f.read(), re.M)
    assert m, "scripts/radz/train.py: DEFAULT_HELD_OUT not found"
    held = eval(m.group(1), {})   # a literal list of strings
    assert held and all(h in ALL_IDS for h in held), held
    return held


class Ctx:
    def __init__(self, data: str):
        self.nih = splits.nih_rows(data)
        self.mri = splits.mri_rows(os.path.join(REPO, "assets", "splits", "brain_mri_train.csv"))


def training_text(c: Ctx, held_out: list[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    ex = set(held_out)
    texts = []
    for r in c.nih:
        if r["fold"] not in TRAIN_FOLDS:
            continue
        pos = splits.nih_positive_ids(r)
        if ex & set(pos):
            continue
        for _ in range(3):
            texts.append(text.make_report([p for p in pos if p != "No_Finding"], "cxr", rng, ex))
    for r in c.mri:
        if r["label"] in ex:
            continue
        for _ in range(2):
            texts.append(text.make_report([r["label"]], "mri", rng, ex))
    for f in text.FINDINGS:
        if f["id"] in ex:
            continue
        for d in text.DESCRIPTIONS[f["id"]]:
            texts.append(d)
            texts.append(text.dkam_text(f["id"], d))
    return texts


def test_findings_table():
    assert [m["id"] for m in text.MODALITIES] == ["cxr", "mri"]
    cxr = [f["id"] for f in text.FINDINGS if f["modality"] == "cxr"]
    assert cxr == splits.NIH_FINDINGS + ["No_Finding"], cxr
    mri = [f["id"] for f in text.FINDINGS if f["modality"] == "mri"]
    assert sorted(mri) == sorted(splits.MRI_CLASSES), mri
    kinds = {f["id"]: f["kind"] for f in text.FINDINGS}
    assert kinds["No_Finding"] == "normal" and kinds["notumor"] == "normal"
    assert sum(1 for k in kinds.values() if k == "normal") == 2
    d = {f["id"]: f["display"] for f in text.FINDINGS}
    assert d["Pleural_Thickening"] == "Pleural thickening" and d["notumor"] == "No tumour"
    assert text.DKAM_TEMPLATE == ("Instruction: recognise this finding on a {modality}. Finding: {name}. "
                                  "Description: {description}")


def test_descriptions_count_and_length():
    assert set(text.DESCRIPTIONS) == set(ALL_IDS)
    for fid, ds in text.DESCRIPTIONS.items():
        assert len(ds) >= 4, (fid, len(ds))
        assert len(set(ds)) == len(ds), fid
        for d in ds:
            assert 8 <= len(d.split()) <= 60, (fid, len(d.split()), d)
            assert d == d.strip() and "  " not in d, d


def test_no_description_names_another_finding():
    bad = []
    for fid, ds in text.DESCRIPTIONS.items():
        for d in ds:
            hits = text.find_leaks(d, [o for o in ALL_IDS if o != fid])
            if hits:
                bad.append((fid, hits, d))
    assert not bad, f"{len(bad)} descriptions name another finding, e.g. {bad[0]}"


def test_every_finding_is_caught_in_its_own_text():
    # The leak terms recognise each finding's own name, display name and descriptions' wording.
    for f in text.FINDINGS:
        assert text.find_leaks(f["id"], [f["id"]]), f["id"]
        assert text.find_leaks(f["display"], [f["id"]]), f["display"]
        assert text.find_leaks(text.dkam_text(f["id"], "x"), [f["id"]]), f["id"]


def test_default_held_out_training_text_is_clean(c: Ctx):
    held = default_held_out()
    texts = training_text(c, held, 1)
    assert len(texts) > 10000, len(texts)
    bad = text.check_no_leak(texts, held)
    assert not bad, f"{len(bad)} leaks of {held}, e.g. {bad[0]!r}"
    print(f"  default held out {held}: {len(texts)} training texts, no leak")


def test_each_single_held_out_training_text_is_clean(c: Ctx):
    n = 0
    for fid in ALL_IDS:
        texts = training_text(c, [fid], 100 + len(fid))
        n += len(texts)
        bad = text.check_no_leak(texts, [fid])
        assert not bad, f"{fid}: {len(bad)} leaks, e.g. {bad[0]!r}"
    print(f"  each of {len(ALL_IDS)} findings held out alone: {n} training texts, no leak")


def test_random_held_out_sets_training_text_is_clean(c: Ctx):
    rng = random.Random(5)
    for k in range(6):
        held = rng.sample(ALL_IDS, rng.randint(2, 6))
        texts = training_text(c, held, 200 + k)
        bad = text.check_no_leak(texts, held)
        assert not bad, f"{held}: {len(bad)} leaks, e.g. {bad[0]!r}"


PLANTED = {
    "Atelectasis": ["ATELECTASIS", "bibasal atelectases", "Atelectatic lung"],
    "Cardiomegaly": ["CARDIOMEGALY", "cardiomegalic heart", "The heart is enlarged", "heart size normal",
                     "enlarged cardiac silhouette"],
    "Effusion": ["EFFUSION", "bilateral Effusions", "small pleural-fluid collection", "hydrothorax"],
    "Infiltration": ["Infiltration", "INFILTRATES", "infiltrative opacity", "infiltrated"],
    "Mass": ["MASS", "Masses in both lungs", "no mass effect", "mass_like"],
    "Nodule": ["NODULE", "nodules", "micronodules", "nodular opacities"],
    "Pneumonia": ["PNEUMONIA", "bronchopneumonia", "pneumonic change", "Pneumonias"],
    "Pneumothorax": ["PNEUMOTHORAX", "pneumothoraces", "Pneumothoraxes", "hydropneumothorax", "pneumo-thorax?"],
    "Consolidation": ["CONSOLIDATION", "consolidated lobe", "Consolidative opacity"],
    "Edema": ["EDEMA", "oedema", "Oedematous", "edematous", "no_edema"],
    "Emphysema": ["EMPHYSEMA", "Emphysematous", "emphysemas"],
    "Fibrosis": ["FIBROSIS", "fibrotic", "Fibroses", "pulmonary_fibrosis"],
    "Pleural_Thickening": ["Pleural_Thickening", "pleural_thickening", "PLEURAL-THICKENING", "pleural thickenings",
                           "PleuralThickening", "thickened pleura", "pleural  thickened"],
    "Hernia": ["HERNIA", "hiatal hernia", "herniation", "Herniae", "herniated"],
    "No_Finding": ["No_Finding", "no finding", "NO FINDINGS", "no-finding", "no acute cardiopulmonary abnormality"],
    "glioma": ["GLIOMA", "gliomas", "Glioblastoma", "oligodendroglioma", "astrocytomas"],
    "meningioma": ["MENINGIOMA", "meningiomas", "Meningiomata"],
    "pituitary": ["PITUITARY", "pituitary_adenoma", "macroadenoma", "Microadenomas"],
    "notumor": ["notumor", "No tumour", "NO_TUMOR", "no-tumor", "no evidence of intracranial tumour",
                "without a tumor", "tumour-free"],
}

NOT_LEAKS = {
    "Mass": ["massive haemorrhage", "Massachusetts", "amass", "biomass"],
    "Nodule": ["nodal station"],
    "Edema": ["edemax"],
    "Fibrosis": ["fibroid"],
    "notumor": ["Pituitary tumour.", "Intra-axial tumour in the left frontal lobe.",
                "No midline shift. Tumour in the right lobe."],
    "Pleural_Thickening": ["thickened fissures", "pleural line"],
    "Cardiomegaly": ["heart border", "behind the heart"],
    "No_Finding": ["this finding", "Finding: Effusion."],
}


def test_planted_leaks_are_caught():
    for fid, variants in PLANTED.items():
        for v in variants:
            s = f"Report line one. {v} seen on the film."
            assert text.check_no_leak([s], [fid]) == [s], (fid, v)
            assert text.check_no_leak(["Clear lungs.", s], ["Hernia", fid]) == [s], (fid, v)
            # ... and only as that finding.
            others = [o for o in ALL_IDS if o != fid]
            assert text.find_leaks(s, others) == [], (fid, v, text.find_leaks(s, others))


def test_look_alikes_are_not_leaks():
    for fid, samples in NOT_LEAKS.items():
        for s in samples:
            assert text.check_no_leak([s], [fid]) == [], (fid, s, text.find_leaks(s, [fid]))


def test_check_no_leak_returns_every_leaking_text():
    texts = ["Clear lungs.", "Small pneumothorax.", "No effusion.", "Tiny PNEUMOTHORACES noted.", "Masses."]
    assert text.check_no_leak(texts, ["Pneumothorax"]) == [texts[1], texts[3]]
    assert text.check_no_leak(texts, ["Pneumothorax", "Mass"]) == [texts[1], texts[3], texts[4]]
    assert text.check_no_leak(texts, []) == []


def test_leak_terms_refuses_unknown_id():
    try:
        text.leak_terms("Pneumothorax ")
    except ValueError as e:
        assert "Pneumothorax " in str(e)
        return
    raise AssertionError("accepted an unknown finding id")


def test_reports_state_positives_and_never_negate_them():
    rng = random.Random(3)
    for _ in range(3000):
        mod = rng.choice(["cxr", "mri"])
        ids = [f["id"] for f in text.FINDINGS if f["modality"] == mod and f["kind"] == "finding"]
        pos = rng.sample(ids, rng.randint(0, 3)) if mod == "cxr" else rng.sample(ids, 1)
        r = text.make_report(pos, mod, rng, set())
        for p in pos:
            assert text.find_leaks(r, [p]), (p, r)
            for neg in text._NEGATIVE[p]:
                assert neg not in r, (p, r)
        if not pos:
            # A normal image: every sentence is a normal, neutral or negated statement.
            allowed = {x for v in text._NEGATIVE.values() for x in v} | {x for v in text._NORMAL.values() for x in v} \
                | {x for v in text._NEUTRAL.values() for x in v}
            sentences = [x + "." for x in r.rstrip(".").split(". ")]
            assert all(x in allowed for x in sentences), r


def test_reports_vary():
    rng = random.Random(4)
    seen = {text.make_report(["Effusion"], "cxr", rng, set()) for _ in range(200)}
    assert len(seen) > 50, len(seen)
    seen = {text.make_report([], "cxr", rng, set()) for _ in range(200)}
    assert len(seen) > 50, len(seen)
    seen = {text.make_report(["glioma"], "mri", rng, set()) for _ in range(200)}
    assert len(seen) > 30, len(seen)


def test_excluded_positive_is_left_out():
    rng = random.Random(6)
    for _ in range(500):
        r = text.make_report(["Pneumothorax", "Effusion"], "cxr", rng, {"Pneumothorax"})
        assert not text.find_leaks(r, ["Pneumothorax"]), r
        assert text.find_leaks(r, ["Effusion"]), r
        r = text.make_report(["glioma"], "mri", rng, {"glioma", "notumor"})
        assert r and not text.check_no_leak([r], ["glioma", "notumor"]), r


def test_make_report_refuses_bad_input():
    for args in ((["Glioma"], "mri"), (["Effusion"], "ct"), (["glioma"], "cxr")):
        try:
            text.make_report(args[0], args[1], random.Random(0), set())
        except ValueError:
            continue
        raise AssertionError(f"accepted {args}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    args = ap.parse_args()
    return run_tests(globals(), lambda: Ctx(args.data))


if __name__ == "__main__":
    sys.exit(main())
