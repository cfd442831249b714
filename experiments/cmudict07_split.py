#!/usr/bin/env python3
"""Writes CMUdict 0.7 (the stress-free copy in Debian's pocketsphinx-en-us) as an `attend` data directory.

It is the setting closer to the published CMUdict G2P figures than festlex-cmu's cmudict-0.4: CMUdict's own
39-phone set and every pronunciation variant of a word (a hypothesis is right if it matches any). Words are
split 90/5/5 into train/dev/test by a hash of the word (MD5; all variants of a word in one split) — not the
hash `attend data cmudict` uses, so the test words differ from those of data/cmudict: never score a model
trained on one directory on the other's test split. Lines: letters space-separated in SPLIT.src, phones in SPLIT.nostress.tgt, one line
per pronunciation.

Usage: experiments/cmudict07_split.py OUT_DIR [CMUDICT]
  CMUDICT defaults to /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict (apt-get install pocketsphinx-en-us).
Then e.g. `attend g2p-baseline --data OUT_DIR --json`.
"""
import hashlib
import os
import re
import sys
from collections import OrderedDict


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) == 3 else "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
    prons = OrderedDict()
    with open(path, encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = re.sub(r"\(\d+\)$", "", parts[0]).lower()
            pron = " ".join(p.lower() for p in parts[1:])
            if pron not in prons.setdefault(word, []):
                prons[word].append(pron)
    os.makedirs(out, exist_ok=True)
    files = {s: ([], []) for s in ("train", "dev", "test")}
    for word, ps in prons.items():
        h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little") % 100
        split = "test" if h < 5 else "dev" if h < 10 else "train"
        for p in ps:
            files[split][0].append(" ".join(word))
            files[split][1].append(p)
    for split, (src, tgt) in files.items():
        for suffix, lines in (("src", src), ("nostress.tgt", tgt)):
            tmp = os.path.join(out, f"{split}.{suffix}.tmp")
            with open(tmp, "w") as f:
                f.write("".join(l + "\n" for l in lines))
            os.replace(tmp, os.path.join(out, f"{split}.{suffix}"))
        words = len(set(src))
        print(f"{split}: {words} words, {len(src)} pronunciations")


if __name__ == "__main__":
    main()
