#!/usr/bin/python3
"""Train a small byte-level BPE tokenizer.json with the project's own trainer (scripts/radz/bpe.py,
the one that makes radz-tiny's tokenizer), for the tokenizer tests: the C++ tokenizer and the
reference must agree on the files that trainer writes, before radz-tiny's real one exists.

Usage: /usr/bin/python3 scripts/tokenizer_train_sample.py CORPUS.json OUT/tokenizer.json
Trains on the corpus strings shorter than 300 characters, 1,200 tokens; deterministic.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from radz.bpe import train_bpe  # noqa: E402


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        texts = [s for s in json.load(f) if len(s) < 300]
    tok = train_bpe(texts, 1200, ["<pad>", "<bos>", "<eos>", "<unk>"])
    os.makedirs(os.path.dirname(os.path.abspath(argv[2])), exist_ok=True)
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    print("%s: %d tokens, %d merges" % (argv[2], len(tok["model"]["vocab"]), len(tok["model"]["merges"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
