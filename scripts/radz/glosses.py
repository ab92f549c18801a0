"""WordNet glosses as stage 1 language-model text (issue #11, the text-knowledge lever: `radz.train --lm-glosses
wordnet`).

The corpus is fixed by a rule, not by the findings: every WordNet 3.0 noun synset under "physical condition"
(14034177: diseases, pathologies, symptoms; hypernym and instance-hypernym closure) and every synset of the
lexicographer file noun.body (anatomy), one text per synset: "lemma, lemma: definition." (the definition
without its quoted examples, underscores as spaces). Texts that mention a held-out finding in any form
(text.check_no_leak) are dropped by the caller like every other training text: the held-out findings stay
absent from training text, so the glosses can only teach the words their descriptions share with others.

Source: Debian's `wordnet-base` (/usr/share/wordnet/data.noun; WordNet 3.0, Princeton University, WordNet
licence). Only training reads it; no package ships it.
"""
from __future__ import annotations

import os
import re

DATA_NOUN = "/usr/share/wordnet/data.noun"
PHYSICAL_CONDITION = "14034177"   # physical_condition.n.01: "the condition or state of the body or bodily functions"
NOUN_BODY = 8                     # lexicographer file noun.body


def read_synsets(path: str) -> dict:
    """offset -> (lexicographer file number, lemmas, hypernym offsets, definition)."""
    if not os.path.exists(path):
        raise SystemExit(f"{path}: not found; the WordNet glosses need Debian's wordnet-base (scripts/setup.sh "
                         "installs it)")
    out = {}
    with open(path, encoding="latin-1") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("  "):
                continue                      # the licence header
            head, sep, gloss = line.partition(" | ")
            fields = head.split()
            try:
                offset, lex, words = fields[0], int(fields[1]), int(fields[3], 16)
                lemmas = [fields[4 + 2 * i] for i in range(words)]
                i = 4 + 2 * words
                hyper = [fields[i + 1 + 4 * k + 1] for k in range(int(fields[i]))
                         if fields[i + 1 + 4 * k] in ("@", "@i")]
            except (IndexError, ValueError):
                raise SystemExit(f"{path}:{n}: not a WordNet data line (expected 'offset lex_filenum ss_type w_cnt "
                                 "word lex_id ... p_cnt ptr ... | gloss')")
            if not sep:
                raise SystemExit(f"{path}:{n}: no ' | ' before the gloss")
            out[offset] = (lex, lemmas, hyper, gloss.strip())
    return out


def definition(gloss: str) -> str:
    """The gloss without its examples: the parts before the first quoted example, joined."""
    parts = [p.strip() for p in gloss.split(";")]
    keep = []
    for p in parts:
        if p.startswith('"'):
            break
        keep.append(p)
    return "; ".join(p for p in keep if p)


def selected(synsets: dict) -> list[str]:
    """Offsets of the corpus's synsets, sorted: the physical-condition closure and noun.body."""
    memo: dict = {}

    def under(off: str, depth: int = 0) -> bool:
        if off == PHYSICAL_CONDITION:
            return True
        if off in memo or depth > 40 or off not in synsets:
            return memo.get(off, False)
        memo[off] = False                     # cycles (none in WordNet 3.0) end here
        memo[off] = any(under(h, depth + 1) for h in synsets[off][2])
        return memo[off]

    return sorted(o for o, (lex, _, _, _) in synsets.items() if lex == NOUN_BODY or under(o))


def gloss_texts(path: str = DATA_NOUN) -> list[str]:
    """The corpus texts, one per selected synset, in offset order."""
    syn = read_synsets(path)
    out = []
    for o in selected(syn):
        _, lemmas, _, gloss = syn[o]
        d = definition(gloss)
        if not d:
            continue
        names = ", ".join(dict.fromkeys(re.sub(r"\(.*\)$", "", w).replace("_", " ") for w in lemmas))
        out.append(f"{names}: {d}.")
    return out
