#!/usr/bin/env python3
"""Writes the small label files of tests/data/labels/ from the shared NIH labels.

    /usr/bin/python3 scripts/make_label_formats.py [--data ../shared/data] [--out tests/data/labels]

The same 60 images (the first 30 of fold 1 and of fold 2 of ../shared/data/nih1000/labels.csv,
in file order) in every format `radz eval` reads, with the real formats' headers and
conventions (docs/labels.md, "Sources"), so that tests/test_label_formats.sh can check that each
evaluates to the same figures as the same labels in the project's own format. Deterministic:
running it again writes the same bytes (the test checks that too).
"""
import argparse
import csv
import io
import os

FINDINGS = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
            "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia"]
# CheXpert's train.csv / valid.csv header (Irvin et al. 2019, CheXpert-v1.0).
CHEXPERT_HEADER = ["Path", "Sex", "Age", "Frontal/Lateral", "AP/PA", "No Finding", "Enlarged Cardiomediastinum",
                   "Cardiomegaly", "Lung Opacity", "Lung Lesion", "Edema", "Consolidation", "Pneumonia", "Atelectasis",
                   "Pneumothorax", "Pleural Effusion", "Pleural Other", "Fracture", "Support Devices"]
# MIMIC-CXR-JPG 2.0.0's mimic-cxr-2.0.0-chexpert.csv header; 'path' added (the file is per study).
MIMIC_HEADER = ["subject_id", "study_id", "path", "Atelectasis", "Cardiomegaly", "Consolidation", "Edema",
                "Enlarged Cardiomediastinum", "Fracture", "Lung Lesion", "Lung Opacity", "No Finding",
                "Pleural Effusion", "Pleural Other", "Pneumonia", "Pneumothorax", "Support Devices"]
# CheXpert observation -> NIH finding, for the seven both label.
SHARED = {"Atelectasis": "Atelectasis", "Cardiomegaly": "Cardiomegaly", "Consolidation": "Consolidation",
          "Edema": "Edema", "Pleural Effusion": "Effusion", "Pneumonia": "Pneumonia", "Pneumothorax": "Pneumothorax"}
# ChestX-ray14's Data_Entry_2017.csv header; the 2017 file ends every line with ','.
NIH_HEADER = "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position," \
             "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def csv_text(rows, sep=",", end="\n", quote_all=False):
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator=end, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerows(rows)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "data", "labels"))
    a = ap.parse_args()
    with open(os.path.join(a.data, "nih1000", "labels.csv"), newline="") as f:
        table = list(csv.DictReader(f))
    fold1 = [r for r in table if r["fold"] == "1"]
    fold2 = [r for r in table if r["fold"] == "2"]
    keep = {r["path"] for r in fold1[:30] + fold2[:30]}
    rows = [r for r in table if r["path"] in keep]
    os.makedirs(a.out, exist_ok=True)
    out = lambda name: os.path.join(a.out, name)

    # The project's own format, and the same file as Excel and other tools save it.
    own = [["path", "patient_id", "fold"] + FINDINGS] + [[r["path"], r["patient_id"], r["fold"]] + [r[c] for c in FINDINGS]
                                                          for r in rows]
    write(out("radz.csv"), csv_text(own))
    write(out("radz_excel.csv"), "\ufeff" + csv_text(own, end="\r\n"))               # BOM, CRLF
    write(out("radz_semicolon.csv"), csv_text(own, sep=";", end="\r", quote_all=True))  # ';', CR, all quoted
    write(out("radz_tab.tsv"), csv_text(own, sep="\t") + "\n\n")                        # tab, blank lines at the end

    # ChestX-ray14: Data_Entry_2017.csv and a split list. Age, gender, view, size and spacing are
    # not in the shared data: left empty (the reader reads past them).
    lines = [NIH_HEADER]
    for r in rows:
        name = os.path.basename(r["path"])
        found = sorted(c for c in FINDINGS if r[c] == "1")
        lines.append(",".join([name, "|".join(found) or "No Finding", str(int(name[9:12])), r["patient_id"]] + [""] * 7) + ",")
    write(out("Data_Entry_2017.csv"), "\n".join(lines) + "\n")
    listed = [os.path.basename(r["path"]) for r in rows if r["fold"] == "1"]
    listed += [os.path.basename(r["path"]) for r in fold1[30:32]]  # listed, not in the labels file
    write(out("test_list.txt"), "\n".join(listed) + "\n")

    # CheXpert and MIMIC-CXR: 1.0 / 0.0 / -1.0 / blank. Of the seven findings both label, every
    # third positive is written uncertain (-1.0) and every fourth negative blank (not mentioned);
    # 'No Finding' is 1.0 or blank (CheXpert's convention); the other observations are blank.
    n_pos = n_neg = 0
    cells = []  # per row: {observation: value}
    for r in rows:
        v = {}
        for obs, nih in SHARED.items():
            if r[nih] == "1":
                n_pos += 1
                v[obs] = "-1.0" if n_pos % 3 == 0 else "1.0"
            else:
                n_neg += 1
                v[obs] = "" if n_neg % 4 == 0 else "0.0"
        v["No Finding"] = "1.0" if all(r[c] == "0" for c in FINDINGS) else ""
        cells.append(v)
    chex = [CHEXPERT_HEADER]
    mimic = [MIMIC_HEADER]
    for k, (r, v) in enumerate(zip(rows, cells)):
        chex.append([r["path"], "", "", "Frontal", ""] + [v.get(c, "") for c in CHEXPERT_HEADER[5:]])
        mimic.append([r["patient_id"], str(50000000 + k), r["path"]] + [v.get(c, "") for c in MIMIC_HEADER[3:]])
    write(out("chexpert_train.csv"), csv_text(chex))
    write(out("mimic_chexpert.csv"), csv_text(mimic))

    # The same labels in the project's format, under each policy: uncertain -> 1 and blank -> 0
    # (the original labels), uncertain -> 0, and both left out (blank cells).
    def reference(name, uncertain, blank, patients):
        head = ["path"] + (["patient_id"] if patients else []) + [SHARED[o] for o in SHARED] + ["No_Finding"]
        body = []
        for r, v in zip(rows, cells):
            m = {"1.0": "1", "0.0": "0", "-1.0": uncertain, "": blank}
            body.append([r["path"]] + ([r["patient_id"]] if patients else []) + [m[v[o]] for o in SHARED] +
                        [m[v["No Finding"]]])
        write(out(name), csv_text([head] + body))
    reference("reference_original.csv", "1", "0", False)
    reference("reference_uncertain_negative.csv", "0", "0", False)
    reference("reference_left_out.csv", "", "", False)
    reference("reference_original_patients.csv", "1", "0", True)


if __name__ == "__main__":
    main()
