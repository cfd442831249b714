# Prints the PyTorch values embedded in tests/autograd/ops/rnn_test.cc (TorchValues tests).
# Run: /usr/bin/python3 tests/autograd/ops/rnn_torch_fixtures.py  (torch 1.13, float64)
import torch, math
torch.set_default_dtype(torch.float64)
def fill(n, seed): return torch.tensor([0.5*math.sin(1.3*k + seed) for k in range(n)])
T,B,I,H = 3,2,3,2
x = fill(T*B*I, 7).reshape(T,B,I)
def show(name, t):
    v = t.detach().reshape(-1).tolist()
    print(f"const std::vector<double> {name} = {{" + ", ".join(f"{a:.15g}" for a in v) + "};")
for kind, G in (("lstm",4),("gru",3),("rnn",1)):
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind](I, H)
    with torch.no_grad():
        mod.weight_ih_l0.copy_(fill(G*H*I,1).reshape(G*H,I)); mod.weight_hh_l0.copy_(fill(G*H*H,2).reshape(G*H,H))
        mod.bias_ih_l0.copy_(fill(G*H,3)); mod.bias_hh_l0.copy_(fill(G*H,4))
    h0 = fill(B*H,5).reshape(1,B,H); c0 = fill(B*H,6).reshape(1,B,H)
    for rev in (False, True):
        xx = x.flip(0) if rev else x
        if kind == "lstm": out,(h,c) = mod(xx,(h0,c0))
        else: out,h = mod(xx,h0)
        if rev: out = out.flip(0)
        suf = "_reverse" if rev else ""
        show(f"k_{kind}_out{suf}", out); show(f"k_{kind}_h{suf}", h)
        if kind=="lstm": show(f"k_{kind}_c{suf}", c)
