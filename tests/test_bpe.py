"""Tests of scripts/radz/bpe.py: the byte-level BPE trainer and encoder against @lenml/tokenizers.

    /usr/bin/python3 tests/test_bpe.py

Trains a small tokenizer (with the recipe's special tokens) on the project's generated text
(reports, descriptions, DKAM texts) plus odd strings, then encodes >= 300 strings with
BpeTokenizer and with node running @lenml/tokenizers on the same tokenizer.json
(scripts/radz/bpe_reference.mjs), and compares the ids, the GPT-2 pre-tokenisation pieces and
the decoded text. Prints `N passed, N failed`; exits non-zero on any failure.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from radz import bpe, text  # noqa: E402
from py_runner import run_tests  # noqa: E402

SPECIALS = (["<pad>", "<bos>", "<eos>"] + [f"<ImgCls_{i}>" for i in range(4)] + [f"<TxtCls_{i}>" for i in range(4)]
            + ["<Mod_cxr>", "<Mod_mri>"])

ODD = [
    "", " ", "  ", "   ", "\t", "\n", "\n\n", " \n ", "a", " a", "a ", "  a", "a  b", "a   b ", "a\tb", "a\n\nb",
    "x \t\n y", "end with spaces   ", "   lead", "\r\n", "tab\t\tstop",
    "Café déjà vu, naïve façade, Ærøskøbing, Straße, İstanbul, ǅemal",
    "e\u0301 combining acute, n\u0303", "Ελληνικά κείμενο", "Русский текст, ёжик", "עברית", "العربية ١٢٣",
    "हिन्दी पाठ", "ภาษาไทย", "中文文本：胸部X光片显示心脏增大。", "日本語のテキスト、カタカナ", "한국어 텍스트",
    "emoji 😀👍🏽 🫁🧠", "👨‍👩‍👧 family", "🇬🇧🇫🇷 flags", "✔ ✘ ★ ☂ ♥", "math ∑∫√∞ ≤ ≥ ≠",
    "digits 0123456789", "3.14159 2,718 1e-9 -42 +7", "x1y22z333", "１２３ fullwidth", "Ⅻ roman ⅷ", "½ ¾ ²³",
    "٣٤٥ arabic-indic", "०१२ devanagari",
    "it's", "IT'S", "we're they've I'm you'll he'd", "'s alone", "''s", "' s", "rock 'n' roll", "don't stop",
    "quote \"double\" and 'single'", "O'Brien's", "x's y't", "'re'", "'ll'll",
    "nbsp\u00a0here", "ideographic\u3000space", "thin\u2009space", "line\u2028sep", "para\u2029sep",
    "bom\ufeffmid", "zero\u200bwidth", "nel\u0085char", "vt\u000bff\u000c", "ogham\u1680space",
    "<bos>", "<pad><bos>", "text <TxtCls_0><TxtCls_1> after", "<Mod_cxr>chest", "<ImgCls_3 not closed",
    "<<bos>>", "<bos <eos>", "a<eos>b", " <Mod_mri> ",
    "punctuation!!! ??? ... --- ___ ***", "(brackets) [square] {curly} <angle>", "a/b\\c|d", "C++ and C#",
    "email@example.com http://x.y/z?q=1&r=2", "#hashtag @mention $100 50% ^caret ~tilde `tick`",
    "mixedCASE CamelCase snake_case kebab-case", "ALL CAPS REPORT", "Pleural_Thickening No_Finding",
    "T2/FLAIR 3 cm 0.5 ratio", "a1b2c3", "...", "'", "''", " '", "' ", "\u00a0", "\u3000\u3000x",
    "tab\t", "\ttab", " \t", "\t ", "x\u00a0\u00a0y", "🧠 brain", " 😀", "😀 ", "é", " é", "😀😀😀",
]


def corpus_texts(rng: random.Random) -> list[str]:
    texts = []
    for f in text.FINDINGS:
        for d in text.DESCRIPTIONS[f["id"]]:
            texts.append(d)
            texts.append(text.dkam_text(f["id"], d))
    for _ in range(400):
        mod = rng.choice(["cxr", "mri"])
        ids = [f["id"] for f in text.FINDINGS if f["modality"] == mod and f["kind"] == "finding"]
        pos = rng.sample(ids, rng.randint(0, 2)) if mod == "cxr" else rng.sample(ids, rng.randint(0, 1))
        texts.append(text.make_report(pos, mod, rng, set()))
    return texts


def make_test_strings(rng: random.Random) -> list[str]:
    strings = list(ODD)
    for f in text.FINDINGS:
        strings.append(text.DESCRIPTIONS[f["id"]][0])
        strings.append(text.dkam_text(f["id"], text.DESCRIPTIONS[f["id"]][-1]))
    for _ in range(150):
        mod = rng.choice(["cxr", "mri"])
        ids = [f["id"] for f in text.FINDINGS if f["modality"] == mod and f["kind"] == "finding"]
        pos = rng.sample(ids, rng.randint(0, 3)) if mod == "cxr" else rng.sample(ids, 1)
        strings.append(text.make_report(pos, mod, rng, {"Mass"}))
    # Random mixtures of pieces of the above, with random white space.
    pool = ODD + strings[len(ODD):len(ODD) + 40]
    for _ in range(60):
        parts = [rng.choice(pool)[: rng.randint(1, 30)] for _ in range(rng.randint(2, 4))]
        strings.append(rng.choice(["", " ", "  ", "\n", "\t", " \n"]).join(parts))
    return strings


class Ctx:
    def __init__(self):
        rng = random.Random(7)
        self.train_texts = corpus_texts(rng) + [s for s in ODD for _ in range(3)]
        self.obj = bpe.train_bpe(self.train_texts, 700, SPECIALS)
        self.tok = bpe.BpeTokenizer.from_json(self.obj)
        self.strings = make_test_strings(random.Random(11))
        self.ref = None
        self.tmp = tempfile.mkdtemp(prefix="test_bpe_")

    def reference(self):
        if self.ref is None:
            tp = os.path.join(self.tmp, "tokenizer.json")
            sp = os.path.join(self.tmp, "strings.json")
            op = os.path.join(self.tmp, "out.json")
            with open(tp, "w", encoding="utf-8") as f:
                json.dump(self.obj, f, ensure_ascii=False)
            with open(sp, "w", encoding="utf-8") as f:
                json.dump(self.strings, f, ensure_ascii=False)
            r = subprocess.run(["node", os.path.join(REPO, "scripts", "radz", "bpe_reference.mjs"), tp, sp, op],
                               cwd=REPO, capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, f"node bpe_reference.mjs failed: {r.stderr.strip()[-500:]}"
            with open(op, encoding="utf-8") as f:
                self.ref = json.load(f)
            assert len(self.ref) == len(self.strings)
        return self.ref


def test_tokenizer_json_shape(c: Ctx):
    o = c.obj
    assert o["normalizer"] is None and o["post_processor"] is None
    assert o["pre_tokenizer"] == {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    assert o["decoder"]["type"] == "ByteLevel"
    assert o["model"]["type"] == "BPE"
    assert [a["content"] for a in o["added_tokens"]] == SPECIALS
    assert [a["id"] for a in o["added_tokens"]] == list(range(len(SPECIALS)))
    assert all(a["special"] is True for a in o["added_tokens"])
    assert len(o["model"]["vocab"]) == 700, len(o["model"]["vocab"])
    assert sorted(o["model"]["vocab"].values()) == list(range(700))
    for i, s in enumerate(SPECIALS):
        assert c.tok.token_to_id(s) == i
    assert c.tok.vocab_size == 700
    for b, sym in enumerate(bpe.BYTE_SYMBOLS):
        assert o["model"]["vocab"][sym] == len(SPECIALS) + b


def test_training_is_deterministic(c: Ctx):
    again = bpe.train_bpe(list(c.train_texts), 700, SPECIALS)
    assert json.dumps(again, sort_keys=True) == json.dumps(c.obj, sort_keys=True)


def test_merges_are_consistent(c: Ctx):
    vocab = c.obj["model"]["vocab"]
    for r, m in enumerate(c.obj["model"]["merges"]):
        a, b = m.split(" ")
        assert a in vocab and b in vocab and a + b in vocab, f"merge {r} {m!r}"


def test_stops_at_min_frequency():
    obj = bpe.train_bpe(["ab ab cd"], 1000, ["<pad>"])
    merges = obj["model"]["merges"]
    assert merges == ["a b"], merges   # "ab" occurs twice, every other pair once
    assert len(obj["model"]["vocab"]) == 1 + 256 + 1


def test_tie_rule():
    # "xy" and "yz" both occur twice (lines keep them apart): the smaller left id ("x" < "y") wins.
    obj = bpe.train_bpe(["xy\nyz\nxy\nyz"], 1 + 256 + 1, ["<pad>"])
    assert obj["model"]["merges"] == ["x y"], obj["model"]["merges"]


def test_at_least_300_strings(c: Ctx):
    assert len(c.strings) >= 300, len(c.strings)


def test_pieces_match_javascript_regex(c: Ctx):
    bad = [(s, bpe.gpt2_split(s), r["pieces"]) for s, r in zip(c.strings, c.reference())
           if bpe.gpt2_split(s) != r["pieces"]]
    assert not bad, f"{len(bad)} strings split differently, e.g. {bad[0]!r}"


def test_ids_match_lenml_tokenizers(c: Ctx):
    bad = [(s, c.tok.encode(s), r["ids"]) for s, r in zip(c.strings, c.reference()) if c.tok.encode(s) != r["ids"]]
    assert not bad, f"{len(bad)} of {len(c.strings)} strings differ, e.g. {bad[0]!r}"
    print(f"  compared {len(c.strings)} strings with @lenml/tokenizers: all ids equal")


def test_decode_round_trip(c: Ctx):
    for s, r in zip(c.strings, c.reference()):
        ids = c.tok.encode(s)
        assert c.tok.decode(ids) == s, (s, c.tok.decode(ids))
        assert r["decoded"] == s, (s, r["decoded"])


def test_decode_skip_special_and_invalid_bytes(c: Ctx):
    ids = c.tok.encode("<bos>héllo<eos>")
    assert ids[0] == 1 and ids[-1] == 2
    assert c.tok.decode(ids, skip_special=True) == "héllo"
    lone = c.tok.token_to_id(bpe.BYTE_SYMBOLS[0xC3])   # first byte of a 2-byte sequence alone
    assert c.tok.decode([lone]) == "\ufffd"


def test_specials_typed_in_text(c: Ctx):
    assert c.tok.encode("<TxtCls_0><TxtCls_1>") == [7, 8]
    assert c.tok.encode("<Mod_cxr>") == [11]
    assert c.tok.encode("<bos") != [1]


def test_bad_tokenizer_json_is_refused(c: Ctx):
    def refused(mutate, field):
        o = json.loads(json.dumps(c.obj))
        mutate(o)
        try:
            bpe.BpeTokenizer.from_json(o)
        except ValueError as e:
            assert field in str(e), (field, str(e))
            return
        raise AssertionError(f"accepted a tokenizer with a bad {field}")

    refused(lambda o: o["model"].__setitem__("type", "WordPiece"), "model.type")
    refused(lambda o: o["model"]["merges"].__setitem__(3, 42), "model.merges[3]")
    refused(lambda o: o.__setitem__("pre_tokenizer", {"type": "Whitespace"}), "pre_tokenizer")
    refused(lambda o: o["model"]["vocab"].pop(bpe.BYTE_SYMBOLS[200]), "model.vocab")
    refused(lambda o: o["model"].__setitem__("byte_fallback", True), "model.byte_fallback")


def test_from_file_error_names_file(c: Ctx):
    p = os.path.join(c.tmp, "broken.json")
    with open(p, "w") as f:
        f.write("{not json")
    try:
        bpe.BpeTokenizer.from_file(p)
    except ValueError as e:
        assert p in str(e)
        return
    raise AssertionError("read a broken file")


def test_encode_is_compact_on_project_text(c: Ctx):
    # The trained merges must do real work on the text they were trained on.
    s = text.DESCRIPTIONS["Effusion"][1]
    assert len(c.tok.encode(s)) < len(s.encode("utf-8")) / 2.5


def main() -> int:
    return run_tests(globals(), Ctx, cleanup=lambda c: shutil.rmtree(c.tmp, ignore_errors=True), max_msg=1500)


if __name__ == "__main__":
    sys.exit(main())
