#!/usr/bin/env python3
"""An independent Python twin of sacreBLEU 2.x's default corpus BLEU (13a, exp smoothing) and chrF
(chrF2, char order 6, no whitespace, effective-order averaging), written from sacreBLEU's documented
behaviour with Python's own `re` engine for the 13a rules. sacreBLEU itself is not installable on this
machine (no Debian package, no PyPI access), so this twin produces the reference numbers that
tests/eval/corpus_reference_test.cc holds as constants.

    python3 tests/eval/sacrebleu_twin.py

prints, for the generated corpus of tests/eval/corpus_reference_test.cc (same generator, same seed),
BLEU with one and with two references, the statistics behind them, and chrF.
"""
import math
import re
from collections import Counter

RULES = [
    (re.compile(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])'), r' \1 '),
    (re.compile(r'([^0-9])([\.,])'), r'\1 \2 '),
    (re.compile(r'([\.,])([^0-9])'), r' \1 \2'),
    (re.compile(r'([0-9])(-)'), r'\1 \2 '),
]


def tokenize_13a(line):
    line = line.replace('<skipped>', '').replace('-\n', '').replace('\n', ' ')
    for a, b in (('&quot;', '"'), ('&amp;', '&'), ('&lt;', '<'), ('&gt;', '>')):
        line = line.replace(a, b)
    line = ' ' + line + ' '
    for pattern, repl in RULES:
        line = pattern.sub(repl, line)
    return ' '.join(line.split())


def word_ngrams(tokens):
    c = Counter()
    for n in range(1, 5):
        for i in range(len(tokens) - n + 1):
            c[tuple(tokens[i:i + n])] += 1
    return c


def corpus_bleu(hyps, ref_streams):
    matches, totals = [0] * 4, [0] * 4
    hyp_len = ref_len = 0
    for i, hyp in enumerate(hyps):
        refs = [s[i] for s in ref_streams if s[i] != '']
        ref_tokens = [tokenize_13a(r.rstrip()).split() for r in refs]
        hyp_tokens = tokenize_13a(hyp.rstrip()).split()
        best = None
        for r in ref_tokens:
            d = abs(len(hyp_tokens) - len(r))
            if best is None or d < best[0] or (d == best[0] and len(r) < best[1]):
                best = (d, len(r))
        hyp_len += len(hyp_tokens)
        ref_len += best[1]
        ref_max = Counter()
        for r in ref_tokens:
            for g, c in word_ngrams(r).items():
                ref_max[g] = max(ref_max[g], c)
        for g, c in word_ngrams(hyp_tokens).items():
            totals[len(g) - 1] += c
            matches[len(g) - 1] += min(c, ref_max.get(g, 0))
    bp = 1.0 if hyp_len >= ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0)
    precisions = [0.0] * 4
    if not any(matches):
        return 0.0, precisions, bp, hyp_len, ref_len, matches, totals
    k = 1.0
    for n in range(4):
        if totals[n] == 0:
            break
        if matches[n] == 0:
            k *= 2
            precisions[n] = 100.0 / (k * totals[n])
        else:
            precisions[n] = 100.0 * matches[n] / totals[n]
    logs = [math.log(p) if p > 0 else -9999999999 for p in precisions]
    return bp * math.exp(sum(logs) / 4), precisions, bp, hyp_len, ref_len, matches, totals


def char_stats(hyp, ref, order=6):
    h = ''.join(hyp.split())
    r = ''.join(ref.split())
    out = []
    for n in range(1, order + 1):
        hc = Counter(h[i:i + n] for i in range(len(h) - n + 1))
        rc = Counter(r[i:i + n] for i in range(len(r) - n + 1))
        match = sum(min(c, rc[g]) for g, c in hc.items() if g in rc)
        out.append((sum(hc.values()) if rc else 0, sum(rc.values()), match))
    return out


def f_score(stats, beta=2.0):
    p_sum = r_sum = 0.0
    eff = 0
    for n_hyp, n_ref, n_match in stats:
        if n_hyp > 0 and n_ref > 0:
            p_sum += n_match / n_hyp
            r_sum += n_match / n_ref
            eff += 1
    if eff == 0:
        return 0.0
    p, r = p_sum / eff, r_sum / eff
    if p + r == 0:
        return 0.0
    return 100 * (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


def corpus_chrf(hyps, ref_streams):
    total = [[0, 0, 0] for _ in range(6)]
    for i, hyp in enumerate(hyps):
        best, best_f = None, -1.0
        for s in ref_streams:
            if s[i] == '':
                continue
            st = char_stats(hyp, s[i])
            f = f_score(st)
            if f > best_f:
                best, best_f = st, f
        for n in range(6):
            for j in range(3):
                total[n][j] += best[n][j]
    return f_score(total)


# The generator of corpus_reference_test.cc: a 64-bit LCG, draws are state >> 33.
WORDS = ["the", "cat", "sat", "on", "mat", "El", "niño", "comió", "manzana", "rápidamente", "año", "über",
         "café", "naïve", "3.14", "1,000", "10-20", "well-known", "U.S.", "it's", "(see", "page)", "end.",
         "yes,", "no!", "what?", "&amp;", "&quot;hi&quot;", "a/b", "$5", "50%", "\u201cquoted\u201d", "\u2014",
         "\u2026", "x<skipped>y", "Zürich", "straße", "Ωμέγα", "日本", "e.g.", "5.", ".5", "-", "--", "a-1",
         "1-a", "2,3.", "'tis", "a\u00a0b", "dog", "ran", "to", "a", "house", "and", "of", "in", "is"]


class Lcg:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return self.state >> 33


def edit(words, g):
    out = []
    for w in words:
        r = g.next() % 10
        if r == 0:
            continue
        if r == 1:
            out.append(WORDS[g.next() % len(WORDS)])
        elif r == 2:
            out.append(w)
            out.append(WORDS[g.next() % len(WORDS)])
        else:
            out.append(w)
    if len(out) >= 2 and g.next() % 4 == 0:
        p = g.next() % (len(out) - 1)
        out[p], out[p + 1] = out[p + 1], out[p]
    return out


def make_corpus(n, seed):
    g = Lcg(seed)
    hyps, refs, refs2 = [], [], []
    for _ in range(n):
        ref = [WORDS[g.next() % len(WORDS)] for _ in range(1 + g.next() % 25)]
        hyp = edit(ref, g)
        if g.next() % 50 == 0:
            hyp = []
        ref2 = edit(ref, g)
        if not ref2:
            ref2 = ["the"]
        hyps.append(' '.join(hyp))
        refs.append(' '.join(ref))
        refs2.append(' '.join(ref2))
    return hyps, refs, refs2


if __name__ == '__main__':
    hyps, refs, refs2 = make_corpus(300, 20240601)
    for name, streams in (('one reference', [refs]), ('two references', [refs, refs2])):
        score, prec, bp, hl, rl, m, t = corpus_bleu(hyps, streams)
        print(f'{name}: BLEU {score!r} precisions {prec!r} bp {bp!r} hyp_len {hl} ref_len {rl} '
              f'matches {m} totals {t} chrF {corpus_chrf(hyps, streams)!r}')
    print('first lines:', hyps[:2], refs[:2], refs2[:2])
