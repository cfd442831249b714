# Prints the PyTorch values embedded in tests/attention/multi_head_test.cc (MultiHeadAttention.MatchesTorch).
# Run: /usr/bin/python3 tests/attention/multi_head_torch_fixtures.py  (torch 1.13, float64)
import torch, math
torch.set_default_dtype(torch.float64)
def fill(n, seed): return torch.tensor([0.5*math.sin(1.3*k + seed) for k in range(n)])
B, TQ, TK, D, H = 2, 3, 5, 4, 2
mha = torch.nn.MultiheadAttention(D, H, batch_first=True)
with torch.no_grad():
    mha.in_proj_weight.copy_(fill(3*D*D, 1).reshape(3*D, D)); mha.in_proj_bias.copy_(fill(3*D, 2))
    mha.out_proj.weight.copy_(fill(D*D, 3).reshape(D, D)); mha.out_proj.bias.copy_(fill(D, 4))
x = fill(B*TQ*D, 5).reshape(B, TQ, D)
mem = fill(B*TK*D, 6).reshape(B, TK, D)
def show(name, t):
    v = t.detach().reshape(-1).tolist()
    print(f"const std::vector<double> {name} = {{" + ", ".join(f"{a:.15g}" for a in v) + "};")
# self-attention, causal, batch row 1's last query position padded as a key
causal = torch.triu(torch.ones(TQ, TQ, dtype=torch.bool), diagonal=1)
pad_self = torch.tensor([[False, False, False], [False, False, True]])
out, w = mha(x, x, x, attn_mask=causal, key_padding_mask=pad_self, average_attn_weights=False)
show("k_self_out", out); show("k_self_weights", w)
# cross-attention over a memory with padding
pad_mem = torch.tensor([[False]*5, [False, False, False, True, True]])
out, w = mha(x, mem, mem, key_padding_mask=pad_mem, average_attn_weights=False)
show("k_cross_out", out); show("k_cross_weights", w)
