#!/usr/bin/env python3
"""How much of the CMUdict WER comes from pronunciation variants that Festival's cmudict-0.4 dropped.

festlex-cmu's cmudict-0.4.out keeps one pronunciation per word (two only for part-of-speech homographs), where
CMUdict proper lists variants (either: iy dh er / ay dh er). Published G2P results score a word right if it
matches any variant. This scores one set of hypotheses three ways, on the words that CMUdict 0.7 (the stress-free
copy in Debian's pocketsphinx-en-us) also has, with Festival's `ax` folded into `ah` (CMUdict's set):
against our reference, against any CMUdict-0.7 variant, and against either.

Usage: experiments/cmudict_variants.py DATA_DIR SPLIT HYP_FILE [CMUDICT]
  HYP_FILE: one hypothesis per distinct word of DATA_DIR/SPLIT.src, in file order
  (e.g. `uniq DATA_DIR/dev.src | attend translate --model runs/cmudict --beam 5`).
  CMUDICT defaults to /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict (apt-get install pocketsphinx-en-us).
"""
import re
import sys
from collections import defaultdict


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    data, split, hyp_file = sys.argv[1:4]
    cmudict = sys.argv[4] if len(sys.argv) == 5 else "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
    variants = defaultdict(list)
    with open(cmudict, encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if parts:
                variants[re.sub(r"\(\d+\)$", "", parts[0]).lower()].append([p.lower() for p in parts[1:]])
    fold = lambda phones: ["ah" if p == "ax" else p for p in phones]
    refs, words = defaultdict(list), []
    with open(f"{data}/{split}.src") as s, open(f"{data}/{split}.nostress.tgt") as t:
        for spelled, phones in zip(s, t):
            word = spelled.replace(" ", "").strip()
            if word not in refs:
                words.append(word)
            refs[word].append(fold(phones.split()))
    with open(hyp_file) as f:
        hyps = [fold(line.split()) for line in f]
    if len(hyps) != len(words):
        sys.exit(f"cmudict_variants: {hyp_file} has {len(hyps)} lines but {split} has {len(words)} distinct words")
    n = ours = theirs = either = with_variants = 0
    for word, hyp in zip(words, hyps):
        if word not in variants:
            continue
        n += 1
        with_variants += len(variants[word]) > 1
        wrong_ours, wrong_theirs = hyp not in refs[word], hyp not in variants[word]
        ours += wrong_ours
        theirs += wrong_theirs
        either += wrong_ours and wrong_theirs
    print(f"{len(words)} words, {n} also in CMUdict 0.7, {with_variants} of them with variants there "
          f"({100 * with_variants / n:.1f}%)")
    print(f"WER (ax folded) against our reference {100 * ours / n:.2f}, against any CMUdict-0.7 variant "
          f"{100 * theirs / n:.2f}, against either {100 * either / n:.2f}")


if __name__ == "__main__":
    main()
