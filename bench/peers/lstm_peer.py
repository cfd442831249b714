#!/usr/bin/python3
"""PyTorch peer of `attend bench lstm`: the same single LSTM layer, sizes and timing protocol.

One torch.nn.LSTM layer (input I, hidden H, biases, zero initial state) on x [T,B,I] that requires grad.
fwd: the forward pass in training mode (autograd records the graph). fwd_bwd: forward, then
out.backward(ones) (gradients of x, the weights and the biases). Median over --repeat runs after
--warmup runs. Prints one JSON line with the same keys as attend.

Run with the Debian torch: /usr/bin/python3 bench/peers/lstm_peer.py [--batch 64 --steps 30 ...]
torch 1.13 from Debian runs its GEMMs through whatever libblas.so.3 the system provides; the "blas" key
says which one was loaded. Its best configuration on an AVX-512 CPU is OpenBLAS with OPENBLAS_CORETYPE=SkylakeX
(set below unless already set or the CPU lacks AVX-512). If the system alternative is netlib's reference BLAS (python3-torch installed
without recommends), OpenBLAS can be used without installing it:
  apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb /tmp/openblas
  LD_LIBRARY_PATH=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 bench/peers/lstm_peer.py
"""
import argparse
import json
import os
import statistics
import time

if " avx512f" in open("/proc/cpuinfo").read():  # SkylakeX kernels would die on an AVX2-only CPU
    os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")  # read when OpenBLAS loads, i.e. on `import torch`
import torch  # noqa: E402


def loaded_blas():
    """The BLAS library mapped into this process (torch resolves libblas.so.3 at import)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    real = sorted({os.path.realpath(p) for p in paths if p.startswith("/")})
    return ",".join(real) or "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--input", type=int, default=512)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(a.input, a.hidden)  # uniform(-1/sqrt(H), 1/sqrt(H)) init
    x = torch.empty(a.steps, a.batch, a.input).uniform_(-1, 1).requires_grad_()
    grad_out = torch.ones(a.steps, a.batch, a.hidden)

    def clear_grads():
        x.grad = None
        for w in lstm.parameters():
            w.grad = None

    def time_fwd():
        t0 = time.perf_counter()
        out, _ = lstm(x)
        t1 = time.perf_counter()
        del out
        return t1 - t0

    def time_fwd_bwd():
        clear_grads()
        t0 = time.perf_counter()
        out, _ = lstm(x)
        out.backward(grad_out)
        return time.perf_counter() - t0

    for _ in range(a.warmup):
        time_fwd()
        time_fwd_bwd()
    fwd = statistics.median(time_fwd() for _ in range(a.repeat))
    fwd_bwd = statistics.median(time_fwd_bwd() for _ in range(a.repeat))

    flops_fwd = 2.0 * a.steps * a.batch * 4 * a.hidden * (a.input + a.hidden)
    print(json.dumps({
        "bench": "lstm", "impl": "torch " + torch.__version__, "batch": a.batch, "steps": a.steps,
        "hidden": a.hidden, "input": a.input, "threads": torch.get_num_threads(), "repeat": a.repeat,
        "fwd_ms": round(fwd * 1e3, 3), "fwd_bwd_ms": round(fwd_bwd * 1e3, 3),
        "gflops_fwd": round(flops_fwd / fwd / 1e9, 2), "gflops_fwd_bwd": round(3 * flops_fwd / fwd_bwd / 1e9, 2),
        "blas": loaded_blas(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
    }))


if __name__ == "__main__":
    main()
