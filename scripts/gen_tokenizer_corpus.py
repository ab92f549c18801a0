#!/usr/bin/python3
"""Generate tests/data/tokenizer_corpus.json: the strings the tokenizer tests encode with the
C++ tokenizer and with the reference (@lenml/tokenizers), whose ids must be equal.

Deterministic (fixed seed). Categories: radiology text (hand-written lines and templated
findings), accents, CJK, emoji, combining marks, runs of whitespace, digits, very long words,
empty strings, special-token text, contractions, random mixtures of code points.

Random code points are drawn only from characters assigned in this Python's Unicode version
(unicodedata), so that the letter/number classes of core/unicode_tables.cpp and the
reference's JavaScript regular expressions (a newer Unicode) agree on every string.

Usage:
  /usr/bin/python3 scripts/gen_tokenizer_corpus.py            # rewrite the corpus
  /usr/bin/python3 scripts/gen_tokenizer_corpus.py --check F  # exit 1 if F differs
"""
import json
import os
import random
import sys
import unicodedata

RADIOLOGY = [
    "No acute cardiopulmonary abnormality.",
    "Heart size is normal. The lungs are clear. No pleural effusion or pneumothorax.",
    "Patchy airspace opacity in the right lower lobe, concerning for pneumonia.",
    "Small left pleural effusion with adjacent atelectasis.",
    "Mild cardiomegaly with pulmonary vascular congestion; no frank edema.",
    "Endotracheal tube terminates 4.2 cm above the carina.",
    "Right internal jugular central venous catheter with tip at the cavoatrial junction.",
    "Nasogastric tube courses below the diaphragm, tip not visualized.",
    "Displaced fracture of the left 6th and 7th ribs posterolaterally.",
    "Diffuse interstitial markings, likely chronic; compare with prior CT.",
    "A 1.8 x 1.2 cm spiculated nodule in the right upper lobe (series 3, image 45).",
    "Findings are consistent with chronic obstructive pulmonary disease (COPD).",
    "IMPRESSION: 1. Right middle lobe consolidation. 2. No effusion.",
    "FINDINGS:\nLines/tubes: None.\nLungs: Clear.\nPleura: Normal.\nHeart: Normal size.",
    "Postoperative changes of median sternotomy and CABG.",
    "Elevated right hemidiaphragm, unchanged since 2019-03-14.",
    "Hyperinflated lungs with flattened diaphragms.",
    "No pneumothorax following right-sided thoracentesis.",
    "Bibasilar reticular opacities, most pronounced at the lung bases.",
    "Calcified granuloma in the left lower lobe, benign.",
    "Widened mediastinum (8.5 cm) - recommend CT angiography to exclude aortic injury.",
    "Cavitary lesion in the left apex; tuberculosis cannot be excluded.",
    "Free air under the right hemidiaphragm: pneumoperitoneum. Surgeon notified at 14:32.",
    "Kerley B lines and peribronchial cuffing suggest interstitial edema.",
    "Mass-like opacity in the AP window, measuring approximately 3 cm.",
    "Subcutaneous emphysema along the right chest wall.",
    "Pacemaker leads in the right atrium and right ventricle.",
    "Scoliosis of the thoracolumbar spine, convex to the right (Cobb angle ~22\u00b0).",
    "Osteopenia. Degenerative changes of the thoracic spine.",
    "Lobulated contour of the left hilum; hilar adenopathy?",
    "T2-weighted MRI: hyperintense lesion in the left frontal lobe, 12 mm.",
    "CT head without contrast: no intracranial hemorrhage, mass effect, or midline shift.",
    "BI-RADS 4A: suspicious microcalcifications in the upper outer quadrant.",
    "PET/CT: FDG-avid mediastinal nodes (SUVmax 7.4).",
    "Ground-glass opacities, bilateral, peripheral and basal predominant (COVID-19 pattern).",
    "Comparison: 01/02/2023. Technique: PA and lateral views of the chest.",
    "Hounsfield units: -850 HU (emphysema) vs. +45 HU (soft tissue).",
    "ICD-10: J18.9 Pneumonia, unspecified organism.",
    "Dr. O'Neil's read: \"no change\"; radiologist's addendum pending.",
    "Lungs: clear.  Heart:  normal.   Bones:    intact.",
    "Pneumothorax \u2014 large, right-sided, with tension physiology!!!",
    "\u00c9panchement pleural gauche de faible abondance.",
    "Neumon\u00eda del l\u00f3bulo inferior derecho; derrame pleural m\u00ednimo.",
    "Kardiomegalie, keine Pleuraerg\u00fcsse, kein Pneumothorax.",
    "\u53f3\u80ba\u4e0b\u53f6\u6591\u7247\u72b6\u9634\u5f71\uff0c\u8003\u8651\u80ba\u708e\u3002",
    "\u5fc3\u62e1\u5927\u3042\u308a\u3002\u80f8\u6c34\u306a\u3057\u3002",
    "\uc6b0\uce21 \ud3d0\ud558\uc5fd\uc5d0 \ud3d0\ub834 \uc18c\uacac.",
    "\u041f\u0440\u0430\u0432\u043e\u0441\u0442\u043e\u0440\u043e\u043d\u043d\u044f\u044f \u043f\u043d\u0435\u0432\u043c\u043e\u043d\u0438\u044f.",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "esophagogastroduodenoscopy-related pneumomediastinum",
    "<s> Findings: clear lungs. </s>",
    "Atelectasis | Cardiomegaly | Consolidation | Edema | Effusion | Emphysema | Fibrosis",
    "Hernia; Infiltration; Mass; Nodule; Pleural_Thickening; Pneumonia; Pneumothorax",
    "No Finding",
    "Support Devices",
    "Enlarged Cardiomediastinum",
    "Lung Lesion",
    "Lung Opacity",
    "Fracture",
    "Pleural Other",
]

FINDINGS = ["opacity", "consolidation", "nodule", "mass", "effusion", "pneumothorax",
            "atelectasis", "edema", "cardiomegaly", "fracture", "emphysema", "fibrosis",
            "infiltrate", "calcification", "lymphadenopathy", "bronchiectasis", "cyst",
            "granuloma", "hernia", "pleural thickening"]
LOCATIONS = ["right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe",
             "lingula", "left lower lobe", "both bases", "the left apex", "the retrocardiac region",
             "the costophrenic angle", "the perihilar region", "the mediastinum", "the hilum"]
MODIFIERS = ["small", "moderate", "large", "mild", "severe", "subtle", "new", "stable",
             "increasing", "decreasing", "patchy", "diffuse", "focal", "bilateral", "chronic"]
TEMPLATES = [
    "{m} {f} in the {l}.",
    "There is a {m} {f} in the {l}, measuring {a}.{b} x {c}.{d} cm.",
    "No {f}. {M} {f2} of the {l}.",
    "{M} {f} ({a}{b} mm), {l}; follow-up CT in {c} months recommended.",
    "Compared with {date}, the {f} in the {l} is {m}.",
    "Impression: {m} {f}; {f2} cannot be excluded.",
    "{F}: {m}, {l}. Confidence {a}{b}%.",
    "Q: is there {f}? A: {m} {f} at {l}",
]

ACCENTS = [
    "caf\u00e9", "na\u00efve fa\u00e7ade", "cr\u00e8me br\u00fbl\u00e9e", "\u00fcber stra\u00dfe",
    "Stra\u00dfe \u00c4rger \u00d6l \u00dcbel", "ma\u00f1ana ni\u00f1o \u00bfqu\u00e9? \u00a1s\u00ed!",
    "S\u00e3o Paulo, cora\u00e7\u00e3o, a\u00e7\u00facar", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u",
    "\u0141\u00f3d\u017a \u017c\u00f3\u0142w g\u0119\u015bl\u0105", "\u0130stanbul \u0131\u015f\u0131k \u011f",
    "P\u0159\u00edli\u0161 \u017elu\u0165ou\u010dk\u00fd k\u016f\u0148", "\u00deetta er \u00edslenska \u00f0",
    "\u00c5ngstr\u00f6m \u00e6\u00f8\u00e5 \u00c6\u00d8\u00c5", "\u0152uvre, \u0153il, \u00c7a va?",
    "\u1e9e \u00df \u017f \u01c5 \u01c6 \u01f1", "\u0391\u03b8\u03ae\u03bd\u03b1 \u03ac\u03ad\u03ae\u03af\u03cc\u03cd\u03ce",
]

CJK = [
    "\u4eca\u65e5\u306f\u3044\u3044\u5929\u6c17\u3067\u3059\u306d\u3002",
    "\u80ba\u708e", "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8",
    "\u6f22\u5b57\u30ab\u30bf\u30ab\u30ca\u3072\u3089\u304c\u306a",
    "\ud55c\uad6d\uc5b4 \ud14c\uc2a4\ud2b8 \ubb38\uc7a5\uc785\ub2c8\ub2e4",
    "\uff21\uff22\uff23\uff11\uff12\uff13\uff01\uff1f", "\u3010\u6ce8\u610f\u3011\u300c\u5f15\u7528\u300d\u3001\u3002",
    "\u9f8d\u9f98\u9750\u9f49", "\U00020000\U00020001\U0002f800", "\u3000\u5168\u89d2\u7a7a\u767d\u3000",
    "CT\u68c0\u67e5\u663e\u793a\u53f3\u80ba\u7ed3\u82823mm", "\u30ec\u30f3\u30c8\u30b2\u30f3\u5199\u771f",
    "\u1100\u1161\u11a8 \u3131\u314f", "\u5341\u4e8c\u6307\u80a0", "\u5e73\u6210\u0033\u0031\u5e74",
]

EMOJI = [
    "\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\U0001f1fa\U0001f1f8\U0001f1ef\U0001f1f5", "1\ufe0f\u20e3", "\u2764\ufe0f", "\U0001fac0\U0001fac1",
    "\U0001f9d1\u200d\u2695\ufe0f radiologist", "x-ray \U0001f9b4 \U0001fa7b", "\U0001f525\U0001f525\U0001f525",
    "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f600 \U0001f601 \U0001f602", "ok\U0001f44cok",
    "\u263a\u2639\u2620", "\U0001f44b\U0001f3fb\U0001f44b\U0001f3fc\U0001f44b\U0001f3fd\U0001f44b\U0001f3fe\U0001f44b\U0001f3ff",
]

COMBINING = [
    "e\u0301", "cafe\u0301", "n\u0303", "a\u0300\u0301\u0302\u0303\u0304", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034da",
    "\u0915\u094d\u0937\u093f", "\u0928\u092e\u0938\u094d\u0924\u0947", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "\u0627\u0644\u0652\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u0651\u064e\u0629", "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd",
    "o\u0308", "u\u0308ber", "\u1e9b\u0323", "A\u030a", "\u0041\u0328\u0301", "\u0301start", "end\u0301",
    "\u20dd\u20de", "g\u0332\u0332", "i\u0307", "\u0d15\u0d4d\u0d37", "\u0f40\u0f7a",
]

WHITESPACE_UNITS = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2028", "\u2029",
                    "\u0085", "\ufeff", "\u2009", "\u200b", "\u000b", "\u000c", "\u1680", "\u202f"]

DIGITS = [
    "0", "7", "42", "123", "1234", "12345", "1234567890", "3.14159", "-0.5", "1e-10", "1,234,567.89",
    "2023-11-27", "12:34:56", "+1 (555) 010-9999", "\u0661\u0662\u0663", "\u0967\u0968\u0969",
    "\uff11\uff12\uff13", "x\u00b2 + y\u00b3", "\u00bd \u00bc \u00be", "\u2160\u2161\u216b", "\u2460\u2461\u2462",
    "\U0001d7ce\U0001d7cf", "10mg/kg", "5x5", "v1.2.3", "0x1F", "99.9%", "1/2", "#1", "No.5",
]

SPECIAL = [
    "<s>", "</s>", "<unk>", "<s>hello</s>", "<s> hello", "hello<s>", "a<s>b</s>c", "<s><s>",
    "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>",
    "<|start_header_id|>user<|end_header_id|>\n\nWhat is shown?<|eot_id|>",
    "<|begin_of_text", "<|reserved_special_token_5|>x", "<0x41>", "< s >", "<<s>>", "</s></s>",
    "\u2581", "\u2581\u2581hello", "a\u2581b",
]

CONTRACTIONS = [
    "don't", "DON'T", "I'm", "I'M", "we'll", "WE'LL", "they're", "they've", "it's", "IT'S", "she'd",
    "'s", "''", "'", "O'Brien", "rock 'n' roll", "y'all'd've", "'re'", "can't won't", "It'S MiXeD",
]


def assigned_pool():
    """Code points assigned in this Python's Unicode, grouped for the random mixtures."""
    ranges = [
        (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
        (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF),
        (0x2000, 0x206F), (0x2070, 0x209F), (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2150, 0x218F),
        (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F), (0x2600, 0x26FF),
        (0x3000, 0x303F), (0x3040, 0x30FF), (0x4E00, 0x4EFF), (0xAC00, 0xACFF), (0xE000, 0xE00F),
        (0xFB00, 0xFB4F), (0xFE00, 0xFE0F), (0xFF00, 0xFFEF), (0x10330, 0x1034F), (0x1D400, 0x1D4FF),
        (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F900, 0x1F9FF), (0x20000, 0x200FF),
    ]
    pool = []
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            cat = unicodedata.category(chr(cp))
            if cat in ("Cn", "Cs"):
                continue
            pool.append(chr(cp))
    return pool


def build():
    rng = random.Random(20241127)
    out = []
    out += RADIOLOGY
    for _ in range(260):
        t = rng.choice(TEMPLATES)
        f, f2 = rng.sample(FINDINGS, 2)
        m = rng.choice(MODIFIERS)
        s = t.format(m=m, M=m.capitalize(), f=f, F=f.upper(), f2=f2, l=rng.choice(LOCATIONS),
                     a=rng.randint(0, 9), b=rng.randint(0, 9), c=rng.randint(1, 24), d=rng.randint(0, 9),
                     date="%04d-%02d-%02d" % (rng.randint(2000, 2024), rng.randint(1, 12), rng.randint(1, 28)))
        if rng.random() < 0.2:
            s = s.upper()
        if rng.random() < 0.2:
            s = s + rng.choice(["\n", "\n\n", " ", "  ", "\t", "\r\n"]) + rng.choice(RADIOLOGY)
        out.append(s)

    out += ACCENTS + CJK + EMOJI + COMBINING + DIGITS + SPECIAL + CONTRACTIONS
    # Accents/CJK/emoji/combining marks inside sentences.
    for _ in range(120):
        pick = rng.choice([ACCENTS, CJK, EMOJI, COMBINING])
        words = [rng.choice(pick) for _ in range(rng.randint(1, 4))]
        sep = rng.choice([" ", "", ", ", " - ", "\n"])
        out.append(rng.choice(["", "Note: ", "  ", "The "]) + sep.join(words) + rng.choice(["", ".", "!", " ", "\n"]))

    # Runs of whitespace.
    for n in range(1, 17):
        out.append(" " * n)
        out.append("a" + " " * n + "b")
        out.append(" " * n + "word")
        out.append("word" + " " * n)
    for _ in range(120):
        parts = []
        for _ in range(rng.randint(1, 6)):
            parts.append("".join(rng.choice(WHITESPACE_UNITS) for _ in range(rng.randint(1, 5))))
            if rng.random() < 0.7:
                parts.append(rng.choice(["lung", "x", "42", "\u80ba", "!", "e\u0301", "\U0001f600", "'s"]))
        out.append("".join(parts))
    out += ["\n", "\n\n", "\r\n", "\t\t", "\n \n", " \n ", "a\n\n\nb", "line1\r\nline2\r\n", "\u00a0", "\u3000\u3000"]

    # Digits.
    for _ in range(80):
        n = rng.randint(1, 40)
        s = "".join(rng.choice("0123456789") for _ in range(n))
        if rng.random() < 0.3:
            s = s[: n // 2] + rng.choice([".", ",", " ", "-", "x", "/"]) + s[n // 2:]
        if rng.random() < 0.3:
            s = rng.choice(["size ", "SUV ", "#", "T", "$"]) + s + rng.choice(["", " cm", "mm", "%", " HU"])
        out.append(s)

    # Very long words and runs.
    for n in (100, 257, 1000, 4096, 10000):
        out.append("a" * n)
        out.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n)))
    out.append("pneumonoultramicroscopicsilicovolcanoconiosis" * 40)
    out.append("Supercalifragilisticexpialidocious" * 100)
    out.append("1234567890" * 300)
    out.append("\u80ba" * 2000)
    out.append("\U0001f600" * 500)
    out.append(" " * 3000)
    out.append("\n" * 1000)
    out.append("e\u0301" * 1500)
    out.append("!?" * 1500)
    out.append(" ".join(RADIOLOGY) * 3)
    out.append("".join(rng.choice("\u0410\u0411\u0412\u0413\u0434\u0435\u0436\u0437") for _ in range(3000)))

    # Empty strings.
    out += ["", "", ""]

    # Random mixtures of assigned code points.
    pool = assigned_pool()
    ascii_pool = [chr(c) for c in range(0x20, 0x7F)]
    for _ in range(300):
        n = rng.randint(1, 60)
        chars = []
        for _ in range(n):
            r = rng.random()
            if r < 0.5:
                chars.append(rng.choice(ascii_pool))
            elif r < 0.55:
                chars.append(rng.choice(WHITESPACE_UNITS))
            elif r < 0.57:
                chars.append(rng.choice(["\x00", "\x01", "\x1f", "\x7f", "\x1c"]))
            else:
                chars.append(rng.choice(pool))
        out.append("".join(chars))
    return out


def render():
    strings = build()
    for s in strings:
        for ch in s:
            assert not (0xD800 <= ord(ch) <= 0xDFFF)
    body = ",\n".join(json.dumps(s, ensure_ascii=True) for s in strings)
    return "[\n" + body + "\n]\n"


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = render()
    if len(argv) >= 3 and argv[1] == "--check":
        with open(argv[2], encoding="utf-8") as f:
            if f.read() != text:
                sys.stderr.write("%s differs from the output of scripts/gen_tokenizer_corpus.py\n" % argv[2])
                return 1
        print("%s is up to date" % argv[2])
        return 0
    path = os.path.join(root, "tests", "data", "tokenizer_corpus.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s: %d strings (Unicode %s)" % (path, len(json.loads(text)), unicodedata.unidata_version))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
