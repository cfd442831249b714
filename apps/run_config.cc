// RunConfig <-> JSON with strict checking.
#include "run_config.h"

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/json_duplicates.h"
#include "base/json_excerpt.h"

namespace attend::app {

const char* task_name(TaskKind t) { return t == TaskKind::G2p ? "g2p" : "translation"; }

namespace {

// Reads one section's keys through `on_key`, which returns false for a key it does not know.
template <class F>
void each_key(const nlohmann::json& j, const std::string& section, F&& on_key) {
  ATTEND_CHECK(j.is_object(), "config: '{}' must be a JSON object, got {}", section, json_excerpt(j));
  for (auto& [key, value] : j.items())
    ATTEND_CHECK(on_key(key, value), "config: unknown key '{}.{}'", section, key);
}

int64_t int_at_least(const nlohmann::json& v, const std::string& name, int64_t lo) {
  ATTEND_CHECK(v.is_number_integer() && v.get<int64_t>() >= lo, "config: '{}' must be an integer >= {}, got {}", name,
               lo, json_excerpt(v));
  return v.get<int64_t>();
}

double number_in(const nlohmann::json& v, const std::string& name, double lo, double hi) {
  ATTEND_CHECK(v.is_number() && v.get<double>() >= lo && v.get<double>() <= hi,
               "config: '{}' must be a number in [{}, {}], got {}", name, lo, hi, json_excerpt(v));
  return v.get<double>();
}

std::string string_of(const nlohmann::json& v, const std::string& name) {
  ATTEND_CHECK(v.is_string() && !v.get<std::string>().empty(), "config: '{}' must be a non-empty string, got {}",
               name, json_excerpt(v));
  return v.get<std::string>();
}

}  // namespace

nlohmann::json RunConfig::to_json() const {
  nlohmann::json d = {{"dir", data.dir},
                      {"src", data.src},
                      {"tgt", data.tgt},
                      {"src_tokens", data::token_kind_name(data.src_codec.kind)},
                      {"tgt_tokens", data::token_kind_name(data.tgt_codec.kind)},
                      {"src_vocab_size", data.src_codec.vocab_size},
                      {"tgt_vocab_size", data.tgt_codec.vocab_size},
                      {"min_count", data.src_codec.min_count},
                      {"max_length", data.max_length},
                      {"max_train", data.max_train},
                      {"gold_src", data.gold_src}};
  nlohmann::json t = {{"max_tokens", train.max_tokens},       {"max_steps", train.max_steps},
                      {"max_epochs", train.max_epochs},       {"lr", train.lr},
                      {"clip", train.clip},                   {"schedule", train.schedule},
                      {"label_smoothing", train.label_smoothing}, {"valid_every", train.valid_every},
                      {"average_decay", train.average_decay}, {"init_from", train.init_from},
                      {"guided_alignment", train.guided_alignment}, {"guide_file", train.guide_file},
                      {"valid_sentences", train.valid_sentences}, {"valid_beam", train.valid_beam},
                      {"patience", train.patience},           {"checkpoint_every", train.checkpoint_every},
                      {"log_every", train.log_every},         {"seed", train.seed}};
  return {{"task", task_name(task)}, {"data", d}, {"model", model.to_json()}, {"train", t}};
}

RunConfig RunConfig::from_json(const nlohmann::json& j) {
  RunConfig c;
  // Subword sides default to an 8000-piece model; char/word sides to an uncapped vocabulary.
  c.data.src_codec.vocab_size = c.data.tgt_codec.vocab_size = 0;
  bool src_size_given = false, tgt_size_given = false;
  bool have_model = false;
  each_key(j, "config", [&](const std::string& key, const nlohmann::json& v) {
    if (key == "task") {
      const std::string s = string_of(v, "task");
      ATTEND_CHECK(s == "g2p" || s == "translation", "config: 'task' must be \"g2p\" or \"translation\", got {}",
                   json_excerpt(v));
      c.task = s == "g2p" ? TaskKind::G2p : TaskKind::Translation;
    } else if (key == "data") {
      each_key(v, "data", [&](const std::string& k, const nlohmann::json& x) {
        const std::string name = "data." + k;
        if (k == "dir") c.data.dir = string_of(x, name);
        else if (k == "src") c.data.src = string_of(x, name);
        else if (k == "tgt") c.data.tgt = string_of(x, name);
        else if (k == "src_tokens") c.data.src_codec.kind = data::parse_token_kind(string_of(x, name), name);
        else if (k == "tgt_tokens") c.data.tgt_codec.kind = data::parse_token_kind(string_of(x, name), name);
        else if (k == "src_vocab_size") { c.data.src_codec.vocab_size = int_at_least(x, name, 0); src_size_given = true; }
        else if (k == "tgt_vocab_size") { c.data.tgt_codec.vocab_size = int_at_least(x, name, 0); tgt_size_given = true; }
        else if (k == "min_count") c.data.src_codec.min_count = c.data.tgt_codec.min_count = int_at_least(x, name, 1);
        else if (k == "max_length") {
          c.data.max_length = int_at_least(x, name, 1);
          ATTEND_CHECK(c.data.max_length <= 1000000, "config: '{}' must be at most 1000000, got {}", name,
                       c.data.max_length);
        }
        else if (k == "max_train") c.data.max_train = int_at_least(x, name, 0);
        else if (k == "gold_src") c.data.gold_src = x.is_string() && x.get<std::string>().empty() ? "" : string_of(x, name);
        else return false;
        return true;
      });
    } else if (key == "model") {
      c.model = models::EncoderDecoderConfig::from_json(v);
      have_model = true;
    } else if (key == "train") {
      each_key(v, "train", [&](const std::string& k, const nlohmann::json& x) {
        const std::string name = "train." + k;
        if (k == "max_tokens") c.train.max_tokens = int_at_least(x, name, 1);
        else if (k == "max_steps") c.train.max_steps = int_at_least(x, name, 0);
        else if (k == "max_epochs") c.train.max_epochs = int_at_least(x, name, 0);
        else if (k == "lr") {
          c.train.lr = number_in(x, name, 0, 10);
          ATTEND_CHECK(c.train.lr > 0, "config: '{}' must be above 0 (0 would train nothing)", name);
        }
        else if (k == "clip") c.train.clip = number_in(x, name, 0, 1e9);
        else if (k == "schedule") c.train.schedule = string_of(x, name);
        else if (k == "label_smoothing") c.train.label_smoothing = number_in(x, name, 0, 0.999);
        else if (k == "average_decay") {
          c.train.average_decay = number_in(x, name, 0, 1);
          ATTEND_CHECK(c.train.average_decay < 1, "config: '{}' must be below 1 (0 turns averaging off), got {}", name,
                       c.train.average_decay);
        } else if (k == "init_from") c.train.init_from = x.is_string() && x.get<std::string>().empty() ? "" : string_of(x, name);
        else if (k == "guided_alignment") c.train.guided_alignment = number_in(x, name, 0, 1000);
        else if (k == "guide_file") c.train.guide_file = string_of(x, name);
        else if (k == "valid_every") c.train.valid_every = int_at_least(x, name, 1);
        else if (k == "valid_sentences") c.train.valid_sentences = int_at_least(x, name, 0);
        else if (k == "valid_beam") c.train.valid_beam = int_at_least(x, name, 1);
        else if (k == "patience") c.train.patience = int_at_least(x, name, 0);
        else if (k == "checkpoint_every") c.train.checkpoint_every = int_at_least(x, name, 1);
        else if (k == "log_every") c.train.log_every = int_at_least(x, name, 1);
        else if (k == "seed") c.train.seed = static_cast<uint64_t>(int_at_least(x, name, 0));
        else return false;
        return true;
      });
    } else {
      return false;
    }
    return true;
  });
  ATTEND_CHECK(!c.data.dir.empty(), "config: 'data.dir' is required (the directory `attend data` wrote)");
  ATTEND_CHECK(have_model, "config: a 'model' section is required");
  ATTEND_CHECK(c.data.gold_src.empty() || c.data.gold_src == c.data.src || c.data.gold_src == c.data.tgt,
               "config: 'data.gold_src' must be the source ('{}') or target ('{}') language, got '{}'", c.data.src,
               c.data.tgt, c.data.gold_src);
  ATTEND_CHECK(!c.model.alignment_head || c.train.guided_alignment > 0,
               "config: 'model.alignment_head' learns only from links: set 'train.guided_alignment' > 0");
  ATTEND_CHECK(!c.train.guide_file.empty() && c.train.guide_file.find('/') == std::string::npos &&
                   c.train.guide_file.front() != '.',
               "config: 'train.guide_file' must be a file name in the data directory, got '{}'", c.train.guide_file);
  if (!src_size_given && c.data.src_codec.kind == data::TokenKind::Subword) c.data.src_codec.vocab_size = 8000;
  if (!tgt_size_given && c.data.tgt_codec.kind == data::TokenKind::Subword) c.data.tgt_codec.vocab_size = 8000;
  return c;
}

RunConfig RunConfig::load(const std::string& path) {
  ATTEND_CHECK(!std::filesystem::is_directory(path), "config: {} is a directory, not a config file", path);
  std::ifstream f(path);
  ATTEND_CHECK(f.good(), "config: cannot read {}", path);
  ParsedJson<nlohmann::json> parsed;
  try {
    parsed = parse_json_noting_duplicates<nlohmann::json>(f);
  } catch (const nlohmann::json::exception& e) {
    // what() is "[json.exception.parse_error.101] parse error at line L, column C: ..." (or out_of_range.406
    // for a number like 1e400): drop the bracketed id.
    const std::string what = e.what();
    const size_t close = what.find("] ");
    ATTEND_FAIL("config: {} is not valid JSON: {}", path, close == std::string::npos ? what : what.substr(close + 2));
  }
  ATTEND_CHECK(parsed.duplicate.empty(), "config: {} gives '{}' twice (only one value could take effect)", path,
               parsed.duplicate);
  try {
    return from_json(parsed.value);
  } catch (const Error& e) {
    ATTEND_FAIL("{}: {}", path, e.message());
  }
}

std::string RunConfig::split_path(const std::string& split, bool source) const {
  return (std::filesystem::path(data.dir) / (split + "." + (source ? data.src : data.tgt))).string();
}

}  // namespace attend::app
