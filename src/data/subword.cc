// SentencePiece training, loading, encoding and decoding behind attend::Error.
#include "data/subword.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdio>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "base/error.h"
#include "data/batch.h"

namespace attend::data {
namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581, SentencePiece's word-start mark

}  // namespace

void train_subword_model(const std::string& input, const std::string& prefix, const SubwordTrainOptions& opt) {
  ATTEND_CHECK(std::filesystem::is_regular_file(input), "subword: training text '{}' not found", input);
  ATTEND_CHECK(opt.vocab_size > kNumSpecials, "subword: vocab_size {} leaves no pieces beside the {} specials",
               opt.vocab_size, kNumSpecials);
  ATTEND_CHECK(opt.character_coverage > 0.0 && opt.character_coverage <= 1.0,
               "subword: character_coverage {} outside (0, 1]", opt.character_coverage);
  ATTEND_CHECK(opt.input_sentence_size >= 0, "subword: negative input_sentence_size {}", opt.input_sentence_size);
  ATTEND_CHECK(!prefix.empty(), "subword: empty model prefix");
  const std::string tmp_prefix = prefix + ".tmp";
  const std::unordered_map<std::string, std::string> args = {
      {"input", input},
      {"model_prefix", tmp_prefix},
      {"vocab_size", std::to_string(opt.vocab_size)},
      {"model_type", opt.type == SubwordType::Bpe ? "bpe" : "unigram"},
      {"character_coverage", fmt::format("{}", opt.character_coverage)},
      {"input_sentence_size", std::to_string(opt.input_sentence_size)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", "1"},
      {"pad_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"unk_id", "3"},
      {"minloglevel", "2"},
  };
  // SentencePiece draws from a thread-local generator seeded once, when a thread first uses it, from the
  // global seed: training on a fresh thread makes every call start from `opt.seed`.
  sentencepiece::util::Status status;
  std::thread worker([&] {
    sentencepiece::SetRandomGeneratorSeed(opt.seed);
    status = sentencepiece::SentencePieceTrainer::Train(args);
  });
  worker.join();
  if (!status.ok()) {
    std::remove((tmp_prefix + ".model").c_str());
    std::remove((tmp_prefix + ".vocab").c_str());
    ATTEND_FAIL("subword: training on '{}' failed: {}", input, status.ToString());
  }
  for (const char* ext : {".vocab", ".model"}) {
    const std::string from = tmp_prefix + ext, to = prefix + ext;
    ATTEND_CHECK(std::rename(from.c_str(), to.c_str()) == 0, "subword: cannot rename '{}' to '{}'", from, to);
  }
}

SubwordModel::SubwordModel() : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
SubwordModel::SubwordModel(SubwordModel&&) noexcept = default;
SubwordModel& SubwordModel::operator=(SubwordModel&&) noexcept = default;
SubwordModel::~SubwordModel() = default;

SubwordModel SubwordModel::load(const std::string& model_path) {
  ATTEND_CHECK(std::filesystem::is_regular_file(model_path), "subword: model file '{}' not found", model_path);
  SubwordModel m;
  m.path_ = model_path;
  const auto status = m.sp_->Load(model_path);
  ATTEND_CHECK(status.ok(), "subword: cannot load model '{}': {}", model_path, status.ToString());
  const int n = m.sp_->GetPieceSize();
  std::vector<std::string> tokens = {kPadToken, kBosToken, kEosToken, kUnkToken};
  m.sp_to_vocab_.assign(static_cast<size_t>(n), kUnk);
  for (int i = 0; i < n; ++i) {
    const std::string& piece = m.sp_->IdToPiece(i);
    if (m.sp_->IsUnknown(i)) continue;
    if (m.sp_->IsControl(i)) {
      // Control pieces are never produced by Encode; map the usual ones for completeness.
      if (piece == kPadToken) m.sp_to_vocab_[static_cast<size_t>(i)] = kPad;
      if (piece == kBosToken) m.sp_to_vocab_[static_cast<size_t>(i)] = kBos;
      if (piece == kEosToken) m.sp_to_vocab_[static_cast<size_t>(i)] = kEos;
      continue;
    }
    m.sp_to_vocab_[static_cast<size_t>(i)] = static_cast<int64_t>(tokens.size());
    tokens.push_back(piece);
  }
  try {
    m.vocab_ = Vocab::from_tokens(std::move(tokens));
  } catch (const Error& e) {
    ATTEND_FAIL("subword: model '{}' has pieces our vocabulary cannot hold: {}", model_path, e.message());
  }
  m.vocab_to_sp_.assign(static_cast<size_t>(m.vocab_.size()), m.sp_->unk_id());
  for (int i = 0; i < n; ++i) {
    const int64_t ours = m.sp_to_vocab_[static_cast<size_t>(i)];
    if (ours != kUnk) m.vocab_to_sp_[static_cast<size_t>(ours)] = i;
  }
  return m;
}

std::vector<std::string> SubwordModel::encode_pieces(std::string_view line) const {
  std::vector<std::string> pieces;
  const auto status = sp_->Encode(line, &pieces);
  ATTEND_CHECK(status.ok(), "subword: {}: cannot encode: {}", path_, status.ToString());
  return pieces;
}

std::vector<int64_t> SubwordModel::encode_ids(std::string_view line, int64_t* unknowns) const {
  std::vector<int> sp_ids;
  const auto status = sp_->Encode(line, &sp_ids);
  ATTEND_CHECK(status.ok(), "subword: {}: cannot encode: {}", path_, status.ToString());
  std::vector<int64_t> ids;
  ids.reserve(sp_ids.size());
  int64_t unk = 0;
  for (int s : sp_ids) {
    const int64_t id = sp_to_vocab_[static_cast<size_t>(s)];
    unk += id == kUnk;
    ids.push_back(id);
  }
  if (unknowns) *unknowns += unk;
  return ids;
}

std::string SubwordModel::decode_pieces(const std::vector<std::string>& pieces) const {
  std::string text;
  const auto status = sp_->Decode(pieces, &text);
  ATTEND_CHECK(status.ok(), "subword: {}: cannot decode: {}", path_, status.ToString());
  return text;
}

std::string SubwordModel::decode_ids(const std::vector<int64_t>& ids) const {
  std::vector<int> sp_ids;
  for (int64_t id : ids) {
    if (id == kEos) break;
    if (id == kPad || id == kBos) continue;
    ATTEND_CHECK(id >= 0 && id < vocab_.size(), "subword: {}: id {} outside the vocabulary of {}", path_, id,
                 vocab_.size());
    sp_ids.push_back(vocab_to_sp_[static_cast<size_t>(id)]);
  }
  std::string text;
  const auto status = sp_->Decode(sp_ids, &text);
  ATTEND_CHECK(status.ok(), "subword: {}: cannot decode: {}", path_, status.ToString());
  return text;
}

std::vector<int64_t> word_index_of_pieces(const std::vector<std::string>& pieces) {
  std::vector<int64_t> out;
  out.reserve(pieces.size());
  int64_t word = -1;
  for (const auto& p : pieces) {
    if (word < 0 || std::string_view(p).starts_with(kWordStart)) ++word;
    out.push_back(word);
  }
  return out;
}

}  // namespace attend::data
