"""A copy of a model package in which the given findings' evidence shows no skill.

    /usr/bin/python3 tests/no_signal_package.py PACKAGE OUT FINDING_ID [FINDING_ID...]

For the front-end tests (tests/test_cli.sh, tests/test_app.py, web/test/browser_test.mjs): the
copy's evidence.json gives each named finding (every variant, any modality) an AUC of 0.30 with
a 95% interval of 0.20-0.45, from a source called "test" that says it is made up, and the
manifest's entry for evidence.json gets the new size and sha256. Nothing else changes: the
graphs, anchor tables and scores are the package's, so whatever the front ends show as
probabilities must match the original package for the other findings. PACKAGE must be of format
version 1 (it has evidence.json). Exits 1 with a one-line error otherwise.
"""
import hashlib
import json
import os
import shutil
import sys


def main(argv) -> int:
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    src, out, ids = argv[0], argv[1], set(argv[2:])
    with open(os.path.join(src, "manifest.json")) as f:
        manifest = json.load(f)
    if manifest.get("format_version", 0) < 1 or "evidence" not in manifest:
        print(f"{src}/manifest.json: format_version {manifest.get('format_version')}: no evidence file "
              "(rebuild the package with the current recipe)", file=sys.stderr)
        return 1
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(src, out)
    ev_path = os.path.join(out, manifest["evidence"]["file"])
    with open(ev_path) as f:
        ev = json.load(f)
    ev["sources"]["test"] = {"description": "made up by tests/no_signal_package.py for the front-end tests"}
    found = set()
    for v, block in ev["variants"].items():
        with open(os.path.join(out, manifest["variants"][v]["anchors"])) as f:
            table = json.load(f)
        entries = {(e["modality"], e["id"]): e for e in block["findings"]}
        for t in table["findings"]:
            if t["id"] in ids:
                found.add(t["id"])
                entries[(t["modality"], t["id"])] = {"modality": t["modality"], "id": t["id"], "source": "test",
                                                     "auc": 0.30, "auc_ci": [0.20, 0.45], "positives": 10,
                                                     "images": 100}
        block["findings"] = [entries[(t["modality"], t["id"])] for t in table["findings"]
                             if (t["modality"], t["id"]) in entries]
    missing = ids - found
    if missing:
        print(f"{src}: no finding {', '.join(sorted(missing))} in its anchor tables", file=sys.stderr)
        return 1
    text = json.dumps(ev, indent=1) + "\n"
    with open(ev_path, "w") as f:
        f.write(text)
    data = text.encode()
    for entry in manifest["files"]:
        if entry["path"] == manifest["evidence"]["file"]:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["size"] = len(data)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
