"""Byte-level BPE (GPT-2 style): a deterministic trainer and an encoder/decoder for the Hugging Face
`tokenizer.json` format it writes.

The file written by `train_bpe`:
  added_tokens    the special tokens, ids 0..k-1 in the given order, special: true (also in the
                  model's vocab under the same ids)
  normalizer      null
  pre_tokenizer   ByteLevel(add_prefix_space=false, trim_offsets=true, use_regex=true)
  post_processor  null (no special tokens are added when encoding)
  decoder         ByteLevel
  model           BPE: vocab = specials, then the 256 byte symbols in byte order, then one token
                  per merge; merges as "a b" strings in rank order

Encoding follows @lenml/tokenizers (transformers.js), the project's reference, exactly:
added tokens are split out first (leftmost, then longest match); each remaining section is
split by the GPT-2 pattern
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
with JavaScript's classes: \\p{L} / \\p{N} = general categories L* / N* (from Python's
unicodedata, Unicode 14.0, the same tables as core/unicode_tables.cpp), \\s = ECMAScript white
space (Zs, U+0009..U+000D, U+FEFF, U+2028, U+2029). Letters or digits added to Unicode after 14.0
are classed as "other" here but as letters/digits by a newer JavaScript engine; the project's
text does not use them. Each piece's UTF-8 bytes are mapped to the GPT-2 byte symbols and merged
by rank, the lowest rank first and, among equal ranks, the leftmost pair first.

Training (`train_bpe`): the texts are split as above; pair counts are weighted by how often a
piece occurs; each step merges the most frequent adjacent pair, ties broken by the smaller
left token id, then the smaller right token id; a pair is merged in every piece, left to right,
without overlaps. Training stops at `vocab_size` tokens or when no pair occurs `min_frequency`
times.
"""
from __future__ import annotations

import functools
import heapq
import json
import unicodedata
from collections import Counter


# ------------------------------------------------------------------------------- bytes <-> symbols

def _byte_symbols() -> list[str]:
    """GPT-2's byte -> printable symbol table (index = byte value)."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


BYTE_SYMBOLS = _byte_symbols()
SYMBOL_BYTES = {s: b for b, s in enumerate(BYTE_SYMBOLS)}


def to_symbols(piece: str) -> str:
    return "".join(BYTE_SYMBOLS[b] for b in piece.encode("utf-8"))


# ------------------------------------------------------------------------------- pre-tokenisation

_JS_EXTRA_SPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0xFEFF, 0x2028, 0x2029}


@functools.lru_cache(maxsize=65536)
def _char_class(ch: str) -> str:
    """'S' (ECMAScript white space), 'L' (letter), 'N' (number) or 'O' (anything else)."""
    cat = unicodedata.category(ch)
    if cat == "Zs" or ord(ch) in _JS_EXTRA_SPACE:
        return "S"
    if cat[0] == "L":
        return "L"
    if cat[0] == "N":
        return "N"
    return "O"


_CONTRACTIONS = ("s", "t", "re", "ve", "m", "ll", "d")


def gpt2_split(text: str) -> list[str]:
    """The pieces of the GPT-2 pre-tokenisation pattern, matched as a JavaScript /u regex would."""
    out = []
    n = len(text)
    cls = [_char_class(ch) for ch in text]
    i = 0
    while i < n:
        c = text[i]
        if c == "'":
            m = next((s for s in _CONTRACTIONS if text.startswith(s, i + 1)), None)
            if m is not None:
                out.append(text[i:i + 1 + len(m)])
                i += 1 + len(m)
                continue
        k = cls[i]
        if c == " " and i + 1 < n and cls[i + 1] != "S":
            # " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" with the leading space.
            want = cls[i + 1]
            j = i + 2
            while j < n and cls[j] == want:
                j += 1
            out.append(text[i:j])
            i = j
            continue
        if k != "S":
            j = i + 1
            while j < n and cls[j] == k:
                j += 1
            out.append(text[i:j])
            i = j
            continue
        # White space: "\s+(?!\S)" leaves the last one for the next piece when a non-space follows;
        # a single one followed by a non-space is "\s+".
        j = i + 1
        while j < n and cls[j] == "S":
            j += 1
        if j < n and j - 1 > i:
            j -= 1
        out.append(text[i:j])
        i = j
    return out


class _AddedSplitter:
    """Split text around added tokens: at each position the longest added token starting there."""

    def __init__(self, tokens: list[str]):
        self.trie: dict = {}
        for t in tokens:
            node = self.trie
            for ch in t:
                node = node.setdefault(ch, {})
            node[None] = t

    def split(self, text: str) -> list[tuple[str, bool]]:
        """[(section, is_added_token)] in order; empty sections are left out."""
        out = []
        n = len(text)
        start = i = 0
        while i < n:
            node = self.trie
            best = None
            j = i
            while j < n:
                node = node.get(text[j])
                if node is None:
                    break
                j += 1
                if None in node:
                    best = node[None]
            if best is not None:
                if i > start:
                    out.append((text[start:i], False))
                out.append((best, True))
                i += len(best)
                start = i
            else:
                i += 1
        if start < n:
            out.append((text[start:], False))
        return out


# ------------------------------------------------------------------------------- training

def _pieces_counter(texts, splitter: _AddedSplitter) -> Counter:
    words: Counter = Counter()
    for t in texts:
        for section, added in splitter.split(t):
            if added:
                continue
            for p in gpt2_split(section):
                words[to_symbols(p)] += 1
    return words


def train_bpe(texts, vocab_size: int, special_tokens: list[str], min_frequency: int = 2) -> dict:
    """Train a byte-level BPE on `texts`; returns the tokenizer.json object (see the module doc)."""
    if len(set(special_tokens)) != len(special_tokens):
        raise ValueError(f"train_bpe: special_tokens: expected distinct strings, found {special_tokens}")
    base = len(special_tokens) + 256
    if vocab_size < base:
        raise ValueError(f"train_bpe: vocab_size: expected at least {base} (specials + 256 bytes), found {vocab_size}")
    tokens: list[str] = list(special_tokens) + list(BYTE_SYMBOLS)
    token_id: dict = {}
    for i, t in enumerate(tokens):
        token_id.setdefault(t, i)
    words_c = _pieces_counter(texts, _AddedSplitter(special_tokens))
    words = [[token_id[ch] for ch in w] for w in words_c]
    freq = list(words_c.values())

    pair_count: Counter = Counter()
    where: dict = {}
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += freq[wi]
            where.setdefault((a, b), set()).add(wi)
    heap = [(-c, a, b) for (a, b), c in pair_count.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []

    while len(tokens) < vocab_size and heap:
        negc, a, b = heapq.heappop(heap)
        if pair_count.get((a, b), 0) != -negc:
            continue   # stale entry
        if -negc < min_frequency:
            break
        new_str = tokens[a] + tokens[b]
        if new_str in token_id:
            new_id = token_id[new_str]
        else:
            new_id = len(tokens)
            tokens.append(new_str)
            token_id[new_str] = new_id
        merges.append((a, b))
        changed: set = set()
        for wi in sorted(where.pop((a, b), ())):
            w = words[wi]
            f = freq[wi]
            for p, q in zip(w, w[1:]):
                pair_count[(p, q)] -= f
                changed.add((p, q))
                s = where.get((p, q))
                if s is not None:
                    s.discard(wi)
            merged = []
            k = 0
            while k < len(w):
                if k + 1 < len(w) and w[k] == a and w[k + 1] == b:
                    merged.append(new_id)
                    k += 2
                else:
                    merged.append(w[k])
                    k += 1
            words[wi] = merged
            for p, q in zip(merged, merged[1:]):
                pair_count[(p, q)] += f
                changed.add((p, q))
                where.setdefault((p, q), set()).add(wi)
        for pq in changed:
            c = pair_count.get(pq, 0)
            if c <= 0:
                pair_count.pop(pq, None)
                where.pop(pq, None)
            else:
                heapq.heappush(heap, (-c, pq[0], pq[1]))

    vocab = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(t, i)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(special_tokens)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{tokens[a]} {tokens[b]}" for a, b in merges]},
    }


# ------------------------------------------------------------------------------- encoding

class BpeTokenizer:
    """Encoder/decoder for the byte-level BPE tokenizer.json files `train_bpe` writes."""

    def __init__(self, obj: dict, where: str = "tokenizer.json"):
        def bad(field: str, expected: str, found) -> ValueError:
            return ValueError(f"{where}: {field}: expected {expected}, found {json.dumps(found)[:80]}")

        if not isinstance(obj, dict):
            raise bad("(top level)", "a JSON object", obj)
        model = obj.get("model")
        if not isinstance(model, dict) or model.get("type") != "BPE":
            raise bad("model.type", '"BPE"', model.get("type") if isinstance(model, dict) else model)
        pre = obj.get("pre_tokenizer")
        if not (isinstance(pre, dict) and pre.get("type") == "ByteLevel" and not pre.get("add_prefix_space", False)
                and pre.get("use_regex", True)):
            raise bad("pre_tokenizer", "ByteLevel with add_prefix_space false and use_regex true", pre)
        if obj.get("normalizer") is not None:
            raise bad("normalizer", "null", obj.get("normalizer"))
        post = obj.get("post_processor")
        if not (post is None or (isinstance(post, dict) and post.get("type") == "ByteLevel")):
            raise bad("post_processor", "null or ByteLevel", post)
        dec = obj.get("decoder")
        if not (isinstance(dec, dict) and dec.get("type") == "ByteLevel"):
            raise bad("decoder", "ByteLevel", dec)
        for key in ("byte_fallback", "ignore_merges"):
            if model.get(key):
                raise bad(f"model.{key}", "false", model.get(key))
        for key in ("continuing_subword_prefix", "end_of_word_suffix"):
            if model.get(key):
                raise bad(f"model.{key}", "null", model.get(key))
        vocab = model.get("vocab")
        if not isinstance(vocab, dict):
            raise bad("model.vocab", "an object token -> id", vocab)
        self.token_ids: dict = {}
        for t, i in vocab.items():
            if not isinstance(i, int) or isinstance(i, bool) or i < 0:
                raise bad(f"model.vocab[{json.dumps(t)}]", "a non-negative integer id", i)
            self.token_ids[t] = i
        self.ranks: dict = {}
        merges = model.get("merges")
        if not isinstance(merges, list):
            raise bad("model.merges", "an array", merges)
        for r, m in enumerate(merges):
            if isinstance(m, str) and m.count(" ") == 1:
                pair = tuple(m.split(" "))
            elif isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m):
                pair = (m[0], m[1])
            else:
                raise bad(f"model.merges[{r}]", '"a b" or ["a","b"]', m)
            self.ranks.setdefault(pair, r)
        self.added: dict = {}
        for k, a in enumerate(obj.get("added_tokens") or []):
            if not (isinstance(a, dict) and isinstance(a.get("content"), str) and a["content"]
                    and isinstance(a.get("id"), int)):
                raise bad(f"added_tokens[{k}]", "{id, content}", a)
            if a.get("lstrip") or a.get("rstrip") or a.get("single_word"):
                raise bad(f"added_tokens[{k}]", "lstrip, rstrip and single_word false", a)
            self.added[a["content"]] = a["id"]
            self.token_ids[a["content"]] = a["id"]
        for s in BYTE_SYMBOLS:
            if s not in self.token_ids:
                raise bad("model.vocab", f"every byte symbol (missing {s!r})", len(vocab))
        self.id_tokens: dict = {i: t for t, i in self.token_ids.items()}
        for t, i in self.added.items():
            self.id_tokens[i] = t
        self.vocab_size = max(self.id_tokens) + 1
        self._splitter = _AddedSplitter(list(self.added))
        self._cache: dict = {}

    @classmethod
    def from_json(cls, obj: dict) -> "BpeTokenizer":
        return cls(obj)

    @classmethod
    def from_file(cls, path: str) -> "BpeTokenizer":
        try:
            with open(path, encoding="utf-8") as f:
                obj = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f"{path}: cannot read tokenizer JSON: {e}")
        return cls(obj, path)

    def token_to_id(self, s: str):
        return self.token_ids.get(s)

    def id_to_token(self, i: int):
        return self.id_tokens.get(i)

    def _bpe(self, symbols: str) -> list[str]:
        cached = self._cache.get(symbols)
        if cached is not None:
            return cached
        parts = list(symbols)
        ranks = self.ranks
        while len(parts) > 1:
            best = None
            best_k = -1
            for k in range(len(parts) - 1):
                r = ranks.get((parts[k], parts[k + 1]))
                if r is not None and (best is None or r < best):
                    best, best_k = r, k
            if best is None:
                break
            parts[best_k:best_k + 2] = [parts[best_k] + parts[best_k + 1]]
        if len(self._cache) < 100000:
            self._cache[symbols] = parts
        return parts

    def encode(self, text: str) -> list[int]:
        """Ids of `text`; added tokens written in the text are recognised; nothing is added."""
        ids = []
        for section, added in self._splitter.split(text):
            if added:
                ids.append(self.added[section])
                continue
            for piece in gpt2_split(section):
                for tok in self._bpe(to_symbols(piece)):
                    i = self.token_ids.get(tok)
                    if i is None:
                        raise ValueError(f"tokenizer: token {tok!r} made by the merges is not in the vocabulary")
                    ids.append(i)
        return ids

    def decode(self, ids, skip_special: bool = False) -> str:
        """Text of `ids`: added tokens as their content, byte symbols as UTF-8 (invalid bytes -> U+FFFD)."""
        out = []
        buf = bytearray()
        for i in ids:
            t = self.id_tokens.get(int(i))
            if t is None:
                raise ValueError(f"tokenizer: id {i}: expected 0..{self.vocab_size - 1} in the vocabulary")
            if t in self.added:
                if buf:
                    out.append(buf.decode("utf-8", errors="replace"))
                    buf = bytearray()
                if not skip_special:
                    out.append(t)
                continue
            for ch in t:
                buf.append(SYMBOL_BYTES[ch])
        if buf:
            out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)
