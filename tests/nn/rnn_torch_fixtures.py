# Prints the PyTorch values embedded in tests/nn/rnn_test.cc (TorchValues tests).
# Run: /usr/bin/python3 tests/nn/rnn_torch_fixtures.py  (torch 1.13, float64)
# Every parameter, in named_parameters() order k = 0, 1, ..., is fill(numel, k + 1).
import math
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)


def fill(n, seed):
    return torch.tensor([0.5 * math.sin(1.3 * k + seed) for k in range(n)])


def set_params(mod):
    with torch.no_grad():
        for k, (name, p) in enumerate(mod.named_parameters()):
            p.copy_(fill(p.numel(), k + 1).reshape(p.shape))


def show(name, t):
    v = t.detach().reshape(-1).tolist()
    print(f"const std::vector<double> {name} = {{" + ", ".join(f"{a:.15g}" for a in v) + "};")


T, B, I, H, L = 3, 2, 3, 2, 2
x = fill(T * B * I, 7).reshape(T, B, I)
h0 = fill(L * 2 * B * H, 20).reshape(L * 2, B, H)
c0 = fill(L * 2 * B * H, 21).reshape(L * 2, B, H)
lengths = [3, 2]
for kind, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)):
    mod = cls(I, H, num_layers=L, bidirectional=True)
    set_params(mod)
    state = (h0, c0) if kind == "lstm" else h0
    out, st = mod(x, state)
    show(f"k_{kind}_out", out)
    show(f"k_{kind}_h", st[0] if kind == "lstm" else st)
    if kind == "lstm":
        show(f"k_{kind}_c", st[1])
    # The same batch with sequence 1 padded after 2 steps.
    packed, st = mod(pack_padded_sequence(x, lengths), state)
    out, _ = pad_packed_sequence(packed, total_length=T)
    show(f"k_{kind}_packed_out", out)
    show(f"k_{kind}_packed_h", st[0] if kind == "lstm" else st)
    if kind == "lstm":
        show(f"k_{kind}_packed_c", st[1])

xc = fill(B * I, 7).reshape(B, I)
hc = fill(B * H, 5).reshape(B, H)
cc = fill(B * H, 6).reshape(B, H)
for kind, cls in (("lstm", torch.nn.LSTMCell), ("gru", torch.nn.GRUCell), ("rnn", torch.nn.RNNCell)):
    cell = cls(I, H)
    set_params(cell)
    if kind == "lstm":
        h, c = cell(xc, (hc, cc))
        show("k_lstm_cell_h", h)
        show("k_lstm_cell_c", c)
    else:
        show(f"k_{kind}_cell_h", cell(xc, hc))
