// Reference encodings for tests/test_bpe.py from @lenml/tokenizers (transformers.js' tokenizers),
// an implementation no one here wrote.
//
// Usage: node scripts/radz/bpe_reference.mjs TOKENIZER_JSON STRINGS_JSON OUT_JSON
//   STRINGS_JSON: a JSON array of strings.
//   OUT_JSON:     [{ids, decoded, pieces}] in the same order: ids without special tokens added,
//                 decoded = decode(ids) with clean_up_tokenization_spaces off, pieces = the
//                 string split by the GPT-2 pattern (the regex literal @lenml/tokenizers uses).

import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { TokenizerLoader } = require("@lenml/tokenizers");

const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const [tokPath, stringsPath, outPath] = process.argv.slice(2);
if (!tokPath || !stringsPath || !outPath) {
  console.error("usage: node bpe_reference.mjs TOKENIZER_JSON STRINGS_JSON OUT_JSON");
  process.exit(2);
}
const tokenizerJSON = JSON.parse(fs.readFileSync(tokPath, "utf8"));
const strings = JSON.parse(fs.readFileSync(stringsPath, "utf8"));
if (!Array.isArray(strings)) {
  console.error(`${stringsPath}: expected a JSON array of strings`);
  process.exit(2);
}
const tok = TokenizerLoader.fromPreTrained({
  tokenizerJSON,
  tokenizerConfig: { clean_up_tokenization_spaces: false },
});
const out = strings.map((s) => {
  const ids = Array.from(tok.encode(s, { add_special_tokens: false }));
  // decode() refuses an empty list; the empty string decodes to "".
  const decoded = ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  const pieces = s.match(GPT2_PATTERN) || [];
  return { ids, decoded, pieces };
});
fs.writeFileSync(outPath, JSON.stringify(out));
