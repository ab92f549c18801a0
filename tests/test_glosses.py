"""Tests of the WordNet gloss corpus (scripts/radz/glosses.py; `radz.train --lm-glosses wordnet`).

    /usr/bin/python3 tests/test_glosses.py

A hand-written data.noun of six synsets (which are selected, how a gloss is cut), a damaged file, the leak
filter of the training corpus, and, when Debian's wordnet-base is installed, the real file's count and
that no held-out finding survives the filter. Prints `N passed, N failed`.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from py_runner import run_tests  # noqa: E402
from radz import glosses, text, train  # noqa: E402

HEADER = "  1 This software and database is being provided to you, the LICENSEE, by Princeton University\n"
# offset lex ss_type w_cnt (word lex_id)* p_cnt (ptr offset pos src/tgt)* | gloss
LINES = [
    "14034177 26 n 01 physical_condition 0 000 | the condition or state of the body or bodily functions",
    "14070360 26 n 01 disease 0 001 @ 14034177 n 0000 | an impairment of health; \"a disease of the lung\"",
    "14147380 26 n 01 lung_disease 0 001 @ 14070360 n 0000 | a disease affecting the lungs; common in smokers",
    "14149536 26 n 02 pneumothorax 0 air_in_chest(a) 0 001 @ 14147380 n 0000 | air in the pleural cavity",
    "05220461 08 n 01 body_part 0 000 | any part of an organism such as an organ or extremity",
    "07014320 10 n 01 effusion 0 000 | an unrestrained expression of emotion",
]


def write(lines: list[str]) -> str:
    fd, path = tempfile.mkstemp(suffix=".noun")
    with os.fdopen(fd, "w") as f:
        f.write(HEADER + "".join(l + "  \n" for l in lines))
    return path


def test_selects_the_condition_closure_and_noun_body():
    path = write(LINES)
    try:
        assert glosses.gloss_texts(path) == [
            "body part: any part of an organism such as an organ or extremity.",
            "physical condition: the condition or state of the body or bodily functions.",
            "disease: an impairment of health.",
            "lung disease: a disease affecting the lungs; common in smokers.",
            "pneumothorax, air in chest: air in the pleural cavity.",
        ]   # effusion (noun.communication, not under physical condition) is not selected
    finally:
        os.remove(path)


def test_definition_drops_examples_only():
    assert glosses.definition('a; b; "an example"; c') == "a; b"
    assert glosses.definition('"only an example"') == ""
    assert glosses.definition("plain") == "plain"


def test_damaged_file_names_the_line():
    path = write(LINES[:2] + ["14147380 26 n zz lung_disease | broken"])
    try:
        glosses.gloss_texts(path)
        raise AssertionError("expected SystemExit")
    except SystemExit as e:
        assert f"{path}:4: not a WordNet data line" in str(e), str(e)
    finally:
        os.remove(path)
    try:
        glosses.gloss_texts("/nonexistent/data.noun")
        raise AssertionError("expected SystemExit")
    except SystemExit as e:
        assert "wordnet-base" in str(e), str(e)


def test_corpus_leaves_out_glosses_naming_a_held_out_finding():
    path = write(LINES)
    saved = glosses.DATA_NOUN
    try:
        glosses.gloss_texts.__defaults__ = (path,)
        cfg = train.TrainConfig(lm_glosses="wordnet", reports_per_image=0)
        corpus = train.lm_corpus([], {"cxr": [], "mri": []}, cfg, random.Random(0))
        assert "lung disease: a disease affecting the lungs; common in smokers." in corpus
        assert not any("pneumothorax" in t.lower() for t in corpus)
        assert not text.check_no_leak(corpus, cfg.held_out)
        cfg.lm_glosses = "glove"
        try:
            train.lm_corpus([], {"cxr": [], "mri": []}, cfg, random.Random(0))
            raise AssertionError("expected SystemExit")
        except SystemExit as e:
            assert "lm_glosses" in str(e) and "'glove'" in str(e), str(e)
    finally:
        glosses.gloss_texts.__defaults__ = (saved,)
        os.remove(path)


def test_the_real_wordnet_when_installed():
    if not os.path.exists(glosses.DATA_NOUN):
        print("      (wordnet-base not installed: scripts/setup.sh installs it; skipped)")
        return
    g = glosses.gloss_texts()
    assert len(g) == 3742, len(g)
    leak = set(text.check_no_leak(g, train.DEFAULT_HELD_OUT))
    kept = [t for t in g if t not in leak]
    assert 3600 < len(kept) < len(g)
    assert any(t.startswith("atelectasis:") for t in kept)
    assert not text.check_no_leak(kept, train.DEFAULT_HELD_OUT)


if __name__ == "__main__":
    sys.exit(run_tests(dict(globals())))
