// AttentionConfig <-> JSON, enum names, and make_attention.
#include "attention/attention.h"

#include <array>
#include <string_view>
#include <utility>

#include "attention/soft.h"
#include "nn/json_fields.h"
#include "base/json_excerpt.h"

namespace attend::attention {

namespace {

namespace jf = nn::json_fields;
constexpr std::string_view kCtx = "attention config";

template <class E, size_t N>
using NameTable = std::array<std::pair<E, const char*>, N>;

constexpr NameTable<Score, 6> kScores{{{Score::Dot, "dot"},
                                       {Score::ScaledDot, "scaled_dot"},
                                       {Score::General, "general"},
                                       {Score::Additive, "additive"},
                                       {Score::Location, "location"},
                                       {Score::Cosine, "cosine"}}};
constexpr NameTable<Normalizer, 2> kNormalizers{{{Normalizer::Softmax, "softmax"}, {Normalizer::Sparsemax, "sparsemax"}}};
constexpr NameTable<Window, 3> kWindows{
    {{Window::Global, "global"}, {Window::LocalMonotonic, "local_m"}, {Window::LocalPredictive, "local_p"}}};
constexpr NameTable<Selection, 3> kSelections{{{Selection::Soft, "soft"},
                                               {Selection::HardReinforce, "hard_reinforce"},
                                               {Selection::HardGumbel, "hard_gumbel"}}};

template <class E, size_t N>
const char* name_in(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "?";
}

template <class E, size_t N>
E parse_enum(const NameTable<E, N>& table, const nlohmann::json& j, const char* key) {
  const std::string s = jf::string(j, kCtx, key);
  std::string known;
  for (const auto& [v, name] : table) {
    if (s == name) return v;
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  ATTEND_FAIL("{}: '{}' has unknown value \"{}\" (known: {})", kCtx, key, s, known);
}

int64_t parse_count(const nlohmann::json& j, const char* key, int64_t min) {
  const int64_t v = jf::integer(j, kCtx, key);
  ATTEND_CHECK(v >= min, "{}: '{}' must be >= {}, got {}", kCtx, key, min, v);
  return v;
}

double parse_positive(const nlohmann::json& j, const char* key) {
  const double v = jf::number(j, kCtx, key);
  ATTEND_CHECK(v > 0, "{}: '{}' must be > 0, got {}", kCtx, key, v);
  return v;
}

}  // namespace

const char* score_name(Score s) { return name_in(kScores, s); }
const char* normalizer_name(Normalizer n) { return name_in(kNormalizers, n); }
const char* window_name(Window w) { return name_in(kWindows, w); }
const char* selection_name(Selection s) { return name_in(kSelections, s); }

nlohmann::json AttentionConfig::to_json() const {
  return nlohmann::json{{"score", score_name(score)},
                        {"normalizer", normalizer_name(normalizer)},
                        {"window", window_name(window)},
                        {"selection", selection_name(selection)},
                        {"query_dim", query_dim},
                        {"key_dim", key_dim},
                        {"hidden_dim", hidden_dim},
                        {"max_keys", max_keys},
                        {"window_radius", window_radius},
                        {"location_aware", location_aware},
                        {"location_channels", location_channels},
                        {"location_width", location_width},
                        {"temperature_init", temperature_init},
                        {"gumbel_tau", gumbel_tau}};
}

AttentionConfig AttentionConfig::from_json(const nlohmann::json& j) {
  jf::only_keys(j, kCtx,
                {"score", "normalizer", "window", "selection", "query_dim", "key_dim", "hidden_dim", "max_keys",
                 "window_radius", "location_aware", "location_channels", "location_width", "temperature_init",
                 "gumbel_tau"});
  AttentionConfig c;  // every key is optional: missing ones keep the defaults
  auto has = [&](const char* key) { return j.contains(key); };
  if (has("score")) c.score = parse_enum(kScores, j["score"], "score");
  if (has("normalizer")) c.normalizer = parse_enum(kNormalizers, j["normalizer"], "normalizer");
  if (has("window")) c.window = parse_enum(kWindows, j["window"], "window");
  if (has("selection")) c.selection = parse_enum(kSelections, j["selection"], "selection");
  if (has("query_dim")) c.query_dim = parse_count(j["query_dim"], "query_dim", 0);
  if (has("key_dim")) c.key_dim = parse_count(j["key_dim"], "key_dim", 0);
  if (has("hidden_dim")) c.hidden_dim = parse_count(j["hidden_dim"], "hidden_dim", 0);
  if (has("max_keys")) c.max_keys = parse_count(j["max_keys"], "max_keys", 0);
  if (has("window_radius")) c.window_radius = parse_count(j["window_radius"], "window_radius", 0);
  if (has("location_aware")) {
    const auto& v = j["location_aware"];
    ATTEND_CHECK(v.is_boolean(), "{}: 'location_aware' must be true or false, got {}", kCtx, json_excerpt(v));
    c.location_aware = v.get<bool>();
  }
  if (has("location_channels")) c.location_channels = parse_count(j["location_channels"], "location_channels", 1);
  if (has("location_width")) {
    c.location_width = parse_count(j["location_width"], "location_width", 1);
    ATTEND_CHECK(c.location_width % 2 == 1, "{}: 'location_width' must be odd, got {}", kCtx, c.location_width);
  }
  if (has("temperature_init")) c.temperature_init = parse_positive(j["temperature_init"], "temperature_init");
  if (has("gumbel_tau")) c.gumbel_tau = parse_positive(j["gumbel_tau"], "gumbel_tau");
  return c;
}

std::unique_ptr<Attention> make_attention(const AttentionConfig& config, Rng& rng) {
  return make_attention(config, rng, DType::F32);
}

std::unique_ptr<Attention> make_attention(const AttentionConfig& config, Rng& rng, DType dtype) {
  // Every score, normaliser, window and selection goes through SoftAttention: hard selections draw from
  // its weights (attention/hard.h), sparsemax replaces softmax in normalise_scores.
  return std::make_unique<SoftAttention>(config, rng, dtype);
}

}  // namespace attend::attention
