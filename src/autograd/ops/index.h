// Index ops: index_select (and the embedding lookup built on it) and torch-style gather.
#pragma once
#include <cstdint>
#include <optional>

#include "tensor/tensor.h"

namespace attend {

// x: [A..., N, B...] (N at `axis`), idx: int32/int64 [I...] -> [A..., I..., B...]; every id in [0, N).
// x may be any dtype (ids can be reordered too); gradients flow to float x.
Tensor index_select(const Tensor& x, int axis, const Tensor& idx);
// table: [V, D], ids: int32/int64 [...] -> [..., D]: row ids[i] of the table for every id.
// Backward scatter-adds rows into the table's gradient (race-free, any thread count).
Tensor embedding(const Tensor& table, const Tensor& ids);
// x: [d0, ..., dn-1], idx: int32/int64 with n axes, idx.size(d) <= x.size(d) for d != axis -> idx's shape,
// y[i0..i(n-1)] = x[i0.., idx[i0..i(n-1)] at axis, ..] (torch.gather). Picks target log-probs:
// gather(logp [N,V], 1, targets [N,1]) -> [N,1].
Tensor gather(const Tensor& x, int axis, const Tensor& idx);

// The flat position of the first id of `ids` outside [0, n), or -1; ids equal to `allowed` (a padding
// id) pass. ids: int32/int64, any layout.
int64_t first_id_out_of_range(const Tensor& ids, int64_t n, std::optional<int64_t> allowed = std::nullopt);
[[noreturn]] void throw_id_out_of_range(const Tensor& ids, int64_t position, const char* op, const char* noun,
                                        const std::string& what);

// Throws "<op>: <noun> 7 at position [1,3] is out of range for <what()>" for the first bad id. `what` is
// only called on failure, so the check costs no formatting (or allocation) when the ids are fine.
template <class WhatFn>
void check_ids_in_range(const Tensor& ids, int64_t n, const char* op, const char* noun, WhatFn&& what,
                        std::optional<int64_t> allowed = std::nullopt) {
  const int64_t bad = first_id_out_of_range(ids, n, allowed);
  if (bad >= 0) [[unlikely]]
    throw_id_out_of_range(ids, bad, op, noun, what());
}

}  // namespace attend
