#!/usr/bin/env python3
"""Word error rate of G2P systems by kind of word: where does one system lose to another?

The split that matters is whether a word has a morphological relative in the training split (the word with or
without a suffix such as -s, 's, -ed, -ing, -ly, -er): a joint-sequence n-gram model copies long stretches of
a relative's pronunciation, a neural model has to have memorised it. Words are also split by length, by
apostrophe and by whether the reference lists several pronunciations.

Usage: experiments/g2p_breakdown.py REF_TSV TRAIN_SRC NAME=HYP_TSV [NAME=HYP_TSV ...]
  REF_TSV: `word<TAB>phonemes` lines, several lines of a word being its variants (`paste test.src test.nostress.tgt`)
  TRAIN_SRC: the training split's source side (spelled words, letters separated by spaces)
  HYP_TSV: `word<TAB>phonemes`, one line per word (`attend eval --hyp-out`, `attend g2p-baseline --out`)
  e.g. experiments/g2p_breakdown.py runs/x/compare_dev/ref.tsv data/cmudict07/train.src \
         model=runs/x/compare_dev/model.tsv jsm=runs/x/compare_dev/jsm.tsv
"""
import sys
from collections import defaultdict

SUFFIXES = ["'s", "s'", "'", "s", "es", "ed", "ing", "ly", "er", "ers"]


def key(word):
    return "".join(word.split())


def read_tsv(path, several):
    table = defaultdict(set) if several else {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            if "\t" not in line:
                sys.exit(f"{path}:{number}: expected word<TAB>phonemes")
            word, phones = line.rstrip("\r\n").split("\t", 1)
            if several:
                table[key(word)].add(" ".join(phones.split()))
            elif key(word) in table:  # one hypothesis per word: a second would silently replace the first
                sys.exit(f"{path}:{number}: a second hypothesis for '{key(word)}'")
            else:
                table[key(word)] = " ".join(phones.split())
    return table


def has_relative(word, train):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and word[: -len(suffix)] in train:
            return True
        if word + suffix in train:
            return True
    return False


def main():
    if len(sys.argv) < 4 or any("=" not in a for a in sys.argv[3:]):
        sys.exit(__doc__)
    ref = read_tsv(sys.argv[1], True)
    with open(sys.argv[2], encoding="utf-8") as f:
        train = {key(line) for line in f if line.strip()}
    systems = []
    for arg in sys.argv[3:]:
        name, path = arg.split("=", 1)
        hyp = read_tsv(path, False)
        missing = [w for w in ref if w not in hyp]
        if missing:
            sys.exit(f"{path}: no hypothesis for {len(missing)} reference words (first: {missing[0]})")
        systems.append((name, hyp))
    kinds = [
        ("all words", lambda w: True),
        ("relative in training", lambda w: has_relative(w, train)),
        ("no relative in training", lambda w: not has_relative(w, train)),
        ("with an apostrophe", lambda w: "'" in w),
        ("several pronunciations", lambda w: len(ref[w]) > 1),
        ("1-4 letters", lambda w: len(w) <= 4),
        ("5-9 letters", lambda w: 5 <= len(w) <= 9),
        ("10+ letters", lambda w: len(w) >= 10),
    ]
    print(f"{'kind':<26} {'words':>6}" + "".join(f" {name:>10}" for name, _ in systems))
    for label, test in kinds:
        words = [w for w in ref if test(w)]
        if not words:
            continue
        rates = [100.0 * sum(hyp[w] not in ref[w] for w in words) / len(words) for _, hyp in systems]
        print(f"{label:<26} {len(words):>6}" + "".join(f" {r:>10.2f}" for r in rates))


if __name__ == "__main__":
    main()
