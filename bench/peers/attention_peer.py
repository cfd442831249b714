#!/usr/bin/python3
"""PyTorch peer of `attend bench attention`: q @ k^T * scale (+ causal mask), softmax, @ v, forward and
forward+backward at [B,H,N,D], torch.set_num_threads(2), medians over interleaved repeats, one JSON line
with the same keys. Run with /usr/bin/python3 (Debian's torch 1.13); OPENBLAS_CORETYPE=SkylakeX helps."""
import argparse
import json
import math
import resource
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sgemm-size", type=int, default=2048)
    ap.add_argument("--json", action="store_true")  # accepted for symmetry: the output is always JSON
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    B, H, N, D = args.batch, args.heads, args.n, args.dim
    q, k, v, g = (torch.rand(B, H, N, D) * 2 - 1 for _ in range(4))
    scale = 1.0 / math.sqrt(D)
    mask = torch.ones(N, N, dtype=torch.bool).triu(1) if args.causal else None

    def attention(q, k, v):
        s = (q @ k.transpose(-2, -1)) * scale
        if mask is not None:
            s = s.masked_fill(mask, float("-inf"))
        return torch.softmax(s, dim=-1) @ v

    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))

    def forward():
        with torch.no_grad():
            attention(q, k, v)

    def forward_backward():
        for t in (qg, kg, vg):
            t.grad = None
        attention(qg, kg, vg).backward(g)

    a = torch.rand(args.sgemm_size, args.sgemm_size)
    b = torch.rand(args.sgemm_size, args.sgemm_size)

    def sgemm():
        torch.mm(a, b)

    def timed(fn):
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e3

    tg, tf, tb = [], [], []
    warmup = 1 if args.repeats > 1 else 0
    for r in range(warmup + args.repeats):
        x = (timed(sgemm), timed(forward), timed(forward_backward))
        if r >= warmup:
            tg.append(x[0]), tf.append(x[1]), tb.append(x[2])
    med = lambda xs: sorted(xs)[len(xs) // 2]
    fwd_flops = 4.0 * B * H * N * N * D * (0.5 if args.causal else 1.0)
    gemm_gflops = 2.0 * args.sgemm_size ** 3 / (med(tg) * 1e6)
    fwd_gflops = fwd_flops / (med(tf) * 1e6)
    fwd_bwd_gflops = 3.5 * fwd_flops / (med(tb) * 1e6)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    io_mib = 8.0 * B * H * N * D * 4 / (1024.0 * 1024.0)
    print(json.dumps({
        "bench": "attention", "impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "batch": B, "heads": H, "n": N, "dim": D, "causal": args.causal, "repeats": args.repeats,
        "fwd_ms": round(med(tf), 3), "fwd_bwd_ms": round(med(tb), 3), "fwd_gflops": round(fwd_gflops, 1),
        "fwd_bwd_gflops": round(fwd_bwd_gflops, 1), "sgemm_gflops": round(gemm_gflops, 1),
        "fwd_pct_sgemm": round(100 * fwd_gflops / gemm_gflops, 1),
        "fwd_bwd_pct_sgemm": round(100 * fwd_bwd_gflops / gemm_gflops, 1),
        "peak_rss_mib": round(rss, 1), "io_mib": round(io_mib, 1), "rss_minus_io_mib": round(rss - io_mib, 1)}))


if __name__ == "__main__":
    main()
