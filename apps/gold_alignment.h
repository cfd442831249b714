// A split's gold alignment files (<split>.gold, Pharaoh links; <split>.tagged, the words the gold annotates)
// as a model sees them: links as (model source word, model target word). The files index the words of
// data.gold_src first; a model trained in the other direction (its source is the gold's target language, as
// for en->es on the Bible data) gets every link and tag list transposed, and writes its own links back in
// the files' orientation, so that two directions' alignments can be compared and symmetrised.
#pragma once
#include <string>
#include <vector>

#include "eval/aer.h"
#include "run_config.h"

namespace attend::app {

bool gold_reversed(const RunConfig& cfg);
eval::Alignment transposed(const eval::Alignment& a);
std::vector<eval::Alignment> read_model_gold(const RunConfig& cfg, const std::string& path);
std::vector<eval::TaggedWords> read_model_tagged(const RunConfig& cfg, const std::string& path);

}  // namespace attend::app
