#!/usr/bin/python3
"""PyTorch peer of attend's RNN encoder-decoder with additive (Bahdanau) attention: training steps and
batched beam search, the same model, sizes and protocol as the C++ side. Prints one JSON line.

Model (float32; E = embedding size, H = hidden size; the benchmark uses E = H = 256, Vs = Vt = 8000):
  src_embed [Vs, E], tgt_embed [Vt, E]
  encoder   1-layer bidirectional GRU(E -> H per direction) -> memory [B, Ts, 2H]
  bridge    s0 = tanh(Linear(2H -> H, bias)(mean of memory over the valid source positions))
  keys      K = Linear(2H -> H, no bias)(memory), once per batch
  score     e_j = v . tanh(W_q s_{t-1} + K_j), W_q = Linear(H -> H, bias), v = Linear(H -> 1, no bias);
            masked softmax over j; c_t = sum_j a_j memory_j  [B, 2H]
  decoder   s_t = GRUCell(concat(emb(y_{t-1}), c_t) (E + 2H) -> H)(s_{t-1}), y_0 = BOS
  readout   o_t = tanh(Linear(H + 2H + E -> H, bias)(concat(s_t, c_t, emb(y_{t-1}))))
  output    logits_t = Linear(H -> Vt, bias)(o_t)
Training computes readout and output projection for all steps at once after the recurrent loop (one big
GEMM); decoding does them per step. Loss: mean cross-entropy over target tokens (PAD = 0 ignored); Adam
lr 1e-3, gradient-norm clipping at 1.0. Special ids: PAD 0, BOS 1, EOS 2 (3 reserved); random tokens are
drawn from [4, V) with a fixed seed.

Training benchmark: targets of Tt tokens, the decoder runs Tt teacher-forced steps (inputs BOS, y_1 ..
y_{Tt-1}). One step = zero grads, forward, backward, clip, Adam update. train_tokens_per_s =
B * (Ts + Tt) / median step time.

Decoding benchmark: beam search (beam K = 5) over the same B sources, all B*K hypotheses advance together
(one decoder step per time step). At most max_len (= Tt) output tokens per sentence, EOS included. Each
step takes the top 2K of (beam score + log p) over K*V per sentence; an EOS among the first K of them
finishes a hypothesis, the first K non-EOS continue. A sentence stops when it has K finished hypotheses;
at max_len its live hypotheses are finished too. Hypotheses are ranked by log p / lp with the GNMT length
penalty lp = ((5 + |Y|) / 6) ** alpha, alpha = 1, |Y| = output length counting EOS. EOS is banned while
t <= min_len: the benchmark sets min_len = max_len, so both sides decode exactly Tt steps however the short
training left the EOS logit.
decode_sentences_per_s = B / median decode time.

Run: /usr/bin/python3 bench/peers/seq2seq_peer.py [--threads 2 --steps 5 ...]; --quick for tiny sizes,
--check for the self-check (beam scores vs teacher-forced scoring, batched vs one-by-one; exit 1 on failure).
torch 1.13 from Debian runs GEMMs through the system libblas.so.3 (OpenBLAS here); OPENBLAS_CORETYPE is set
to SkylakeX (its best setting on an AVX-512 CPU) before torch loads unless already set or the CPU lacks AVX-512.
"""
import argparse
import json
import os
import statistics
import sys
import time

if " avx512f" in open("/proc/cpuinfo").read():  # SkylakeX kernels would die on an AVX2-only CPU
    os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")  # read when OpenBLAS loads, i.e. on `import torch`
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

PAD, BOS, EOS, FIRST_WORD = 0, 1, 2, 4


def loaded_blas():
    """The BLAS library mapped into this process (torch resolves libblas.so.3 at import)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    real = sorted({os.path.realpath(p) for p in paths if p.startswith("/")})
    return ",".join(real) or "unknown"


def expected_params(vs, vt, e, h):
    """Parameter count of Seq2Seq, written out so the C++ side can compare its own count.

    torch's GRU and GRUCell hold two bias vectors (b_ih and b_hh, 3H each) per direction."""
    embeddings = vs * e + vt * e
    encoder = 2 * (3 * h * e + 3 * h * h + 2 * 3 * h)      # two directions: W_ih, W_hh, b_ih, b_hh
    bridge = 2 * h * h + h                                   # Linear(2H -> H) + bias
    keys = 2 * h * h                                         # Linear(2H -> H), no bias
    query = h * h + h                                        # W_q: Linear(H -> H) + bias
    score = h                                                # v: Linear(H -> 1), no bias
    decoder = 3 * h * (e + 2 * h) + 3 * h * h + 2 * 3 * h    # GRUCell(E + 2H -> H)
    readout = h * (h + 2 * h + e) + h                        # Linear(H + 2H + E -> H) + bias
    output = vt * h + vt                                     # Linear(H -> Vt) + bias
    return embeddings + encoder + bridge + keys + query + score + decoder + readout + output


class Seq2Seq(nn.Module):
    def __init__(self, vs, vt, e, h):
        super().__init__()
        self.src_embed = nn.Embedding(vs, e)
        self.tgt_embed = nn.Embedding(vt, e)
        self.encoder = nn.GRU(e, h, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * h, h)
        self.keys = nn.Linear(2 * h, h, bias=False)
        self.query = nn.Linear(h, h)
        self.score = nn.Linear(h, 1, bias=False)
        self.decoder = nn.GRUCell(e + 2 * h, h)
        self.readout = nn.Linear(h + 2 * h + e, h)
        self.output = nn.Linear(h, vt)

    def encode(self, src, src_len=None):
        """src: [B, Ts] ids; src_len: [B] valid lengths or None (all Ts).
        Returns memory [B, Ts, 2H] (zeros past each length), keys [B, Ts, H], mask [B, Ts] bool or None, s0 [B, H]."""
        x = self.src_embed(src)                                            # [B, Ts, E]
        B, Ts = src.shape
        if src_len is None or bool((src_len == Ts).all()):
            memory, _ = self.encoder(x)                                    # [B, Ts, 2H]
            mask = None
            mean = memory.mean(dim=1)                                      # [B, 2H]
        else:
            packed = nn.utils.rnn.pack_padded_sequence(x, src_len.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.encoder(packed)
            memory, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=Ts)  # [B, Ts, 2H]
            mask = torch.arange(Ts, device=src.device)[None, :] < src_len[:, None]                # [B, Ts]
            mean = memory.sum(dim=1) / src_len[:, None].to(memory.dtype)                          # [B, 2H]
        s0 = torch.tanh(self.bridge(mean))                                 # [B, H]
        return memory, self.keys(memory), mask, s0

    def attend(self, s, memory, keys, mask):
        """s: [N, H], memory: [N, Ts, 2H], keys: [N, Ts, H], mask: [N, Ts] or None -> context [N, 2H]."""
        e = self.score(torch.tanh(self.query(s)[:, None, :] + keys)).squeeze(2)   # [N, Ts]
        if mask is not None:
            e = e.masked_fill(~mask, float("-inf"))
        a = torch.softmax(e, dim=1)                                        # [N, Ts]
        return torch.bmm(a[:, None, :], memory).squeeze(1)                # [N, 2H]

    def forward(self, src, src_len, tgt):
        """Teacher-forced logits. tgt: [B, Tt] targets; decoder inputs are BOS, tgt[:, :-1]. -> [B, Tt, Vt]."""
        memory, keys, mask, s = self.encode(src, src_len)
        B, Tt = tgt.shape
        y_in = torch.cat([torch.full((B, 1), BOS, dtype=tgt.dtype, device=tgt.device), tgt[:, :-1]], dim=1)
        emb = self.tgt_embed(y_in)                                         # [B, Tt, E]
        states, contexts = [], []
        for t in range(Tt):
            c = self.attend(s, memory, keys, mask)                         # [B, 2H]
            s = self.decoder(torch.cat([emb[:, t], c], dim=1), s)          # [B, H]
            states.append(s)
            contexts.append(c)
        feats = torch.cat([torch.stack(states, 1), torch.stack(contexts, 1), emb], dim=2)  # [B, Tt, H+2H+E]
        return self.output(torch.tanh(self.readout(feats)))               # [B, Tt, Vt]

    def step_log_probs(self, y_prev, s, memory, keys, mask):
        """One decoding step. y_prev: [N] ids, s: [N, H] -> (log p [N, Vt], new state [N, H])."""
        emb = self.tgt_embed(y_prev)                                       # [N, E]
        c = self.attend(s, memory, keys, mask)                             # [N, 2H]
        s = self.decoder(torch.cat([emb, c], dim=1), s)                    # [N, H]
        o = torch.tanh(self.readout(torch.cat([s, c, emb], dim=1)))        # [N, H]
        return torch.log_softmax(self.output(o), dim=1), s                 # [N, Vt]


def length_penalty(n, alpha=1.0):
    return ((5.0 + n) / 6.0) ** alpha


@torch.no_grad()
def beam_search(model, src, src_len, beam=5, max_len=30, alpha=1.0, n_best=1, min_len=0):
    """Batched beam search. Returns per sentence its n_best finished hypotheses, best first, each a dict of
    tokens (a list, ending in EOS unless cut at max_len), log_prob and score (log_prob / lp(|Y|)); with
    n_best=1 just the best dict."""
    B, K = src.shape[0], beam
    memory, keys, mask, s = model.encode(src, src_len)
    memory = memory.repeat_interleave(K, 0)                                # [B*K, Ts, 2H]
    keys = keys.repeat_interleave(K, 0)                                    # [B*K, Ts, H]
    mask = None if mask is None else mask.repeat_interleave(K, 0)          # [B*K, Ts]
    s = s.repeat_interleave(K, 0)                                          # [B*K, H]
    scores = torch.full((B, K), float("-inf"), dtype=memory.dtype)         # [B, K]
    scores[:, 0] = 0.0                                                     # one live start per sentence
    y = torch.full((B * K,), BOS, dtype=torch.long)                        # [B*K]
    history = torch.empty(B, K, 0, dtype=torch.long)                       # [B, K, t]
    finished = [[] for _ in range(B)]                                      # (normalised, log p, tokens)
    done = [False] * B
    base = (torch.arange(B) * K)[:, None]                                  # [B, 1]
    rank = torch.arange(2 * K)[None, :]                                    # [1, 2K]
    for t in range(1, max_len + 1):
        logp, s = model.step_log_probs(y, s, memory, keys, mask)          # [B*K, V]
        if t <= min_len:                                                   # EOS banned before min_len tokens
            logp[:, EOS] = float("-inf")
        V = logp.shape[1]
        cand = (scores[:, :, None] + logp.view(B, K, V)).view(B, K * V)   # [B, K*V]
        top, idx = cand.topk(2 * K, dim=1)                                 # [B, 2K], best first
        src_beam, tok = idx // V, idx % V                                  # [B, 2K]
        is_eos = tok == EOS
        ends = is_eos[:, :K].nonzero().tolist()                            # EOS among the first K finishes
        for b, j in ends:
            if not done[b] and len(finished[b]) < K:
                toks = history[b, src_beam[b, j]].tolist() + [EOS]
                lp = top[b, j].item()
                finished[b].append((lp / length_penalty(t, alpha), lp, toks))
        for b in range(B):
            if len(finished[b]) >= K:
                done[b] = True
        # the first K non-EOS candidates continue (at most K of the 2K are EOS: one per source beam)
        keep = (rank + is_eos.long() * 2 * K).topk(K, dim=1, largest=False).indices.sort(dim=1).values  # [B, K]
        scores = top.gather(1, keep)                                       # [B, K]
        prev = src_beam.gather(1, keep)                                    # [B, K]
        y_new = tok.gather(1, keep)                                        # [B, K]
        history = torch.cat([history.gather(1, prev[:, :, None].expand(-1, -1, history.shape[2])),
                             y_new[:, :, None]], dim=2)                    # [B, K, t]
        s = s[(base + prev).view(-1)]                                      # [B*K, H]
        y = y_new.view(-1)
        if all(done):
            break
    result = []
    for b in range(B):
        hyps = finished[b]
        if not done[b]:  # max_len reached: live hypotheses finish too
            n = history.shape[2]
            for k in range(K):
                lp = scores[b, k].item()
                hyps = hyps + [(lp / length_penalty(n, alpha), lp, history[b, k].tolist())]
        ranked = [{"tokens": h[2], "log_prob": h[1], "score": h[0]}
                  for h in sorted(hyps, key=lambda h: h[0], reverse=True)[:n_best]]
        result.append(ranked[0] if n_best == 1 else ranked)
    return result


@torch.no_grad()
def reference_beam(model, src_row, beam, max_len, alpha=1.0):
    """Naive twin of beam_search for one unpadded source [Ts]: plain Python lists, one hypothesis per
    decoder call, the same rules. Returns every finished hypothesis, best first."""
    memory, keys, _, s0 = model.encode(src_row[None, :])
    live, finished = [(0.0, [], s0)], []  # (log p, tokens, state after the last token)
    for t in range(1, max_len + 1):
        cands = []
        for lp, toks, s in live:
            logp, s_next = model.step_log_probs(torch.tensor([toks[-1] if toks else BOS]), s, memory, keys, None)
            cands += [(lp + logp[0, v].item(), toks + [v], s_next) for v in range(logp.shape[1])]
        cands = sorted(cands, key=lambda c: c[0], reverse=True)[:2 * beam]
        for rank, (lp, toks, _) in enumerate(cands):
            if toks[-1] == EOS and rank < beam and len(finished) < beam:
                finished.append((lp / length_penalty(t, alpha), lp, toks))
        live = [c for c in cands if c[1][-1] != EOS][:beam]
        if len(finished) >= beam:
            break
    else:
        finished += [(lp / length_penalty(max_len, alpha), lp, toks) for lp, toks, _ in live]
    return [{"tokens": h[2], "log_prob": h[1], "score": h[0]}
            for h in sorted(finished, key=lambda h: h[0], reverse=True)]


@torch.no_grad()
def teacher_forced_log_prob(model, src, src_len, hyps):
    """Sum of log p(y_t | y_<t, x) of each hypothesis under the training-path forward (all-steps readout)."""
    n = max(len(h) for h in hyps)
    tgt = torch.full((len(hyps), n), PAD, dtype=torch.long)
    valid = torch.zeros(len(hyps), n, dtype=torch.bool)
    for i, h in enumerate(hyps):
        tgt[i, :len(h)] = torch.tensor(h)
        valid[i, :len(h)] = True
    logp = torch.log_softmax(model(src, src_len, tgt), dim=2).gather(2, tgt[:, :, None]).squeeze(2)  # [B, n]
    return (logp * valid).sum(dim=1).tolist()


def self_check():
    """Tiny float64 models (several EOS biases, so that some winners end in EOS and some stop at max_len):
    (1) every finished hypothesis's reported log p equals its teacher-forced score, (2) its score is
    log p / lp(|Y|), (3) the batched, padded search gives the same n-best lists as reference_beam, a naive
    twin run on each unpadded source alone, (4) the parameter count matches expected_params. Returns the failures."""
    V, E, H, B, Ts, K, max_len = 11, 6, 5, 6, 7, 3, 8
    src_len = torch.tensor([7, 3, 5, 1, 7, 6])
    failures, ended, total = [], 0, 0
    for eos_bias in (0.0, 0.3, 0.45, 0.6, 1.5):
        torch.manual_seed(3)
        model = Seq2Seq(V, V, E, H).double().eval()
        with torch.no_grad():
            model.output.bias[EOS] += eos_bias
        src = torch.randint(FIRST_WORD, V, (B, Ts))
        src[torch.arange(Ts)[None, :] >= src_len[:, None]] = PAD
        n_params = sum(p.numel() for p in model.parameters())
        if n_params != expected_params(V, V, E, H):
            failures.append(f"params {n_params} != formula {expected_params(V, V, E, H)}")
        n_best = beam_search(model, src, src_len, beam=K, max_len=max_len, n_best=2 * K)
        for b, hyps in enumerate(n_best):  # every hypothesis that finished, not only the winner
            scored = teacher_forced_log_prob(model, src[b:b + 1].expand(len(hyps), -1),
                                             src_len[b:b + 1].expand(len(hyps)), [h["tokens"] for h in hyps])
            for i, (h, lp) in enumerate(zip(hyps, scored)):
                where = f"EOS bias {eos_bias}, sentence {b}, hypothesis {i}"
                if abs(h["log_prob"] - lp) > 1e-9 * max(1.0, abs(lp)):
                    failures.append(f"{where}: beam log p {h['log_prob']!r} != teacher-forced {lp!r}")
                if abs(h["score"] - h["log_prob"] / length_penalty(len(h["tokens"]))) > 1e-12:
                    failures.append(f"{where}: score {h['score']!r} is not log p / lp(|Y|={len(h['tokens'])})")
            ref = reference_beam(model, src[b, :src_len[b]], K, max_len)
            if ([h["tokens"] for h in hyps] != [h["tokens"] for h in ref]
                    or any(abs(h["log_prob"] - r["log_prob"]) > 1e-9 for h, r in zip(hyps, ref))):
                failures.append(f"EOS bias {eos_bias}, sentence {b}: batched n-best "
                                f"{[(h['tokens'], h['log_prob']) for h in hyps]} != naive twin "
                                f"{[(r['tokens'], r['log_prob']) for r in ref]}")
        best = [hyps[0] for hyps in n_best]
        ended += sum(1 for h in best if h["tokens"][-1] == EOS)
        total += B
    if ended == 0 or ended == total:
        failures.append(f"check is weak: {ended} of {total} winners end in EOS (want some of each)")
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=5, help="timed training steps (after --warmup)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--decode-runs", type=int, default=3, help="timed beam-search runs (after one warm-up)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--src-len", type=int, default=30)
    p.add_argument("--tgt-len", type=int, default=30)
    p.add_argument("--vocab", type=int, default=8000)
    p.add_argument("--embed", type=int, default=256)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a test")
    p.add_argument("--check", action="store_true", help="run the self-check instead of the benchmark")
    p.add_argument("--bf16", action="store_true",
                   help="torch.autocast('cpu', bfloat16) around forward and beam search (attend's --precision bf16)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        failures = self_check()
        for f in failures:
            print("seq2seq_peer check FAILED:", f, file=sys.stderr)
        print(json.dumps({"peer": "pytorch", "check": "fail" if failures else "ok"}))
        sys.exit(1 if failures else 0)
    if a.quick:
        a.batch, a.src_len, a.tgt_len, a.vocab, a.embed, a.hidden = 4, 7, 6, 50, 16, 16
        a.steps, a.warmup, a.decode_runs = 2, 1, 1

    torch.manual_seed(a.seed)
    model = Seq2Seq(a.vocab, a.vocab, a.embed, a.hidden)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == expected_params(a.vocab, a.vocab, a.embed, a.hidden), n_params
    src = torch.randint(FIRST_WORD, a.vocab, (a.batch, a.src_len))
    tgt = torch.randint(FIRST_WORD, a.vocab, (a.batch, a.tgt_len))
    src_len = torch.full((a.batch,), a.src_len, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16)

    def train_step():
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with autocast():
            logits = model(src, src_len, tgt)                              # [B, Tt, V]
            loss = F.cross_entropy(logits.float().reshape(-1, a.vocab), tgt.reshape(-1), ignore_index=PAD)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return time.perf_counter() - t0, loss.item()

    model.train()
    for _ in range(a.warmup):
        train_step()
    step_s = statistics.median(train_step()[0] for _ in range(a.steps))

    model.eval()

    out_tokens = []  # the best hypotheses' mean length (EOS not counted): a decode that stops early is visible

    def decode():
        t0 = time.perf_counter()
        with autocast():
            best = beam_search(model, src, src_len, beam=a.beam, max_len=a.tgt_len, min_len=a.tgt_len)
        elapsed = time.perf_counter() - t0
        out_tokens[:] = [statistics.mean(len(h["tokens"]) - (1 if h["tokens"] and h["tokens"][-1] == EOS else 0)
                                         for h in best)]
        return elapsed

    decode()
    decode_s = statistics.median(decode() for _ in range(a.decode_runs))

    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "precision": "bf16-autocast" if a.bf16 else "f32",
        "train_tokens_per_s": round(a.batch * (a.src_len + a.tgt_len) / step_s, 1),
        "train_step_ms": round(step_s * 1e3, 2),
        "decode_sentences_per_s": round(a.batch / decode_s, 2), "decode_ms": round(decode_s * 1e3, 2),
        "decode_mean_tokens": round(out_tokens[0], 1),
        "params": n_params, "batch": a.batch, "src_len": a.src_len, "tgt_len": a.tgt_len, "vocab": a.vocab,
        "embed": a.embed, "hidden": a.hidden, "beam": a.beam, "steps": a.steps, "decode_runs": a.decode_runs,
        "blas": loaded_blas(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
    }))


if __name__ == "__main__":
    main()
