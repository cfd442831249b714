#include "gold_alignment.h"

namespace attend::app {

bool gold_reversed(const RunConfig& cfg) { return !cfg.data.gold_src.empty() && cfg.data.gold_src != cfg.data.src; }

eval::Alignment transposed(const eval::Alignment& a) {
  return {eval::transpose_links(a.sure), eval::transpose_links(a.possible)};
}

std::vector<eval::Alignment> read_model_gold(const RunConfig& cfg, const std::string& path) {
  std::vector<eval::Alignment> gold = eval::read_pharaoh_file(path);
  if (gold_reversed(cfg))
    for (eval::Alignment& a : gold) a = transposed(a);
  return gold;
}

std::vector<eval::TaggedWords> read_model_tagged(const RunConfig& cfg, const std::string& path) {
  std::vector<eval::TaggedWords> tagged = eval::read_tagged_words_file(path);
  if (gold_reversed(cfg))
    for (eval::TaggedWords& t : tagged) std::swap(t.src, t.tgt);
  return tagged;
}

}  // namespace attend::app
