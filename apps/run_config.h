// RunConfig: the config file of `attend train --config FILE` — data, model and training settings in one JSON
// object with three sections. Every key is optional except data.dir; unknown keys and bad values are
// one-line errors naming the key. Example (configs/cmudict.json):
//   {"task": "g2p",
//    "data":  {"dir": "data/cmudict", "src": "src", "tgt": "tgt", "src_tokens": "char", "tgt_tokens": "word",
//              "max_length": 50},
//    "model": {"cell": "gru", "embed": 128, "encoder_hidden": 256, "hidden": 256, "decoder": "bahdanau",
//              "attention": {"score": "additive"}},
//    "train": {"max_tokens": 4000, "lr": 0.001, "max_steps": 20000, "valid_every": 1000, "patience": 5}}
// Files: <data.dir>/{train,dev,test}.<src> and .<tgt> (as written by `attend data`).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "data/text_codec.h"
#include "models/encoder_decoder.h"

namespace attend::app {

enum class TaskKind { G2p, Translation };  // decides the dev/test metrics: PER/WER or BLEU/chrF

struct DataSection {
  std::string dir;
  std::string src = "src";
  std::string tgt = "tgt";
  data::CodecOptions src_codec{.kind = data::TokenKind::Char};
  data::CodecOptions tgt_codec{.kind = data::TokenKind::Word};
  int64_t max_length = 100;  // training pairs longer than this (tokens, either side) are dropped and counted
  int64_t max_train = 0;     // use at most N training pairs, spread evenly over the file (0 = all): quick runs
  // The language whose words the split's .gold/.tagged files index first (empty = src). A model trained the
  // other way round (src = the gold's target side) reads them transposed (gold_alignment.h).
  std::string gold_src;
};

struct TrainSection {
  int64_t max_tokens = 4000;  // padded source + target tokens per batch
  int64_t max_steps = 20000;
  int64_t max_epochs = 0;     // 0 = no limit
  double lr = 1e-3;
  double clip = 1.0;
  std::string schedule = "constant";  // nn::Schedule::parse syntax
  double label_smoothing = 0.0;
  double average_decay = 0.0;  // > 0: validate and keep an exponential moving average of the weights (nn/parameter_average.h)
  // A model directory whose best/ weights and vocabularies a fresh run starts from (fine-tuning): its
  // model section must match this one's, training-only settings (dropout, ...) aside. Empty = random init.
  std::string init_from;
  double guided_alignment = 0.0;  // > 0: weight of the guided-alignment loss on <dir>/<guide_file> (guided_alignment.h)
  // Pharaoh links of the training split in the gold's orientation (data.gold_src first): the gold, or
  // `attend align --split train --out` links.
  std::string guide_file = "train.gold";
  int64_t valid_every = 1000;
  int64_t valid_sentences = 1000;  // dev sentences decoded at each validation (0 = all)
  int64_t valid_beam = 1;
  int64_t patience = 5;            // validations without improvement before stopping (0 = never stop early)
  int64_t checkpoint_every = 500;
  int64_t log_every = 100;
  uint64_t seed = 1;
};

struct RunConfig {
  TaskKind task = TaskKind::G2p;
  DataSection data;
  models::EncoderDecoderConfig model;
  TrainSection train;

  nlohmann::json to_json() const;
  static RunConfig from_json(const nlohmann::json& j);
  static RunConfig load(const std::string& path);  // errors name the file
  std::string split_path(const std::string& split, bool source) const;
};

const char* task_name(TaskKind t);

}  // namespace attend::app
