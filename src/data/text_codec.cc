// TextCodec: char / word / subword tokenisation of one corpus side, saved with the model.
#include "data/text_codec.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "data/text_file.h"

namespace attend::data {

namespace fs = std::filesystem;

TokenKind parse_token_kind(const std::string& name, const std::string& what) {
  if (name == "char") return TokenKind::Char;
  if (name == "word") return TokenKind::Word;
  if (name == "subword") return TokenKind::Subword;
  ATTEND_FAIL("{}: token kind must be \"char\", \"word\" or \"subword\", got \"{}\"", what, name);
}

const char* token_kind_name(TokenKind kind) {
  switch (kind) {
    case TokenKind::Char: return "char";
    case TokenKind::Word: return "word";
    case TokenKind::Subword: return "subword";
  }
  return "?";
}

std::vector<std::string> utf8_characters(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + len > s.size()) len = 1;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) len = 1;  // a broken sequence: one byte
    out.emplace_back(s.substr(i, len));
    i += len;
  }
  return out;
}

namespace {

bool is_space_char(const std::string& c) { return c.size() == 1 && std::isspace(static_cast<unsigned char>(c[0])); }

std::string codec_file(const std::string& dir, const std::string& name, const char* ext) {
  return (fs::path(dir) / (name + ext)).string();
}

}  // namespace

TextCodec TextCodec::build(std::span<const std::string> train_lines, const CodecOptions& opt, const std::string& dir,
                           const std::string& name) {
  fs::create_directories(dir);
  TextCodec codec;
  codec.kind_ = opt.kind;
  if (opt.kind == TokenKind::Subword) {
    // SentencePiece trains from a file: the training lines, written next to the model.
    const std::string text = codec_file(dir, name, ".train.txt");
    {
      std::ofstream f(text, std::ios::trunc);
      ATTEND_CHECK(f.good(), "codec {}: cannot write {}", name, text);
      for (const auto& line : train_lines) f << line << '\n';
    }
    train_subword_model(text, codec_file(dir, name, ""), {.vocab_size = opt.vocab_size});
    fs::remove(text);
    codec.subword_ = std::make_shared<SubwordModel>(SubwordModel::load(codec_file(dir, name, ".model")));
  } else {
    TokenCounter counter;
    for (const auto& line : train_lines) counter.add(codec.tokens(line));
    codec.vocab_ = Vocab::build(counter.counts(), {.min_count = opt.min_count, .max_size = opt.vocab_size});
    codec.vocab_.save(codec_file(dir, name, ".vocab"));
  }
  const nlohmann::json meta = {{"kind", token_kind_name(opt.kind)}, {"vocab_size", codec.vocab().size()}};
  std::ofstream(codec_file(dir, name, ".codec.json"), std::ios::trunc) << meta.dump() << '\n';
  return codec;
}

TextCodec TextCodec::load(const std::string& dir, const std::string& name) {
  const std::string meta_path = codec_file(dir, name, ".codec.json");
  std::ifstream f(meta_path);
  ATTEND_CHECK(f.good(), "codec: cannot read {} (is {} a model directory?)", meta_path, dir);
  const nlohmann::json meta = nlohmann::json::parse(f, nullptr, false);
  ATTEND_CHECK(!meta.is_discarded() && meta.is_object() && meta.contains("kind") && meta["kind"].is_string(),
               "codec: {} is not a codec description", meta_path);
  TextCodec codec;
  codec.kind_ = parse_token_kind(meta["kind"].get<std::string>(), meta_path);
  if (codec.kind_ == TokenKind::Subword)
    codec.subword_ = std::make_shared<SubwordModel>(SubwordModel::load(codec_file(dir, name, ".model")));
  else
    codec.vocab_ = Vocab::load(codec_file(dir, name, ".vocab"));
  return codec;
}

TextCodec TextCodec::copy(const std::string& from_dir, const std::string& to_dir, const std::string& name) {
  const TokenKind kind = load(from_dir, name).kind_;  // checks the source before anything is copied
  fs::create_directories(to_dir);
  for (const char* ext : {".codec.json", kind == TokenKind::Subword ? ".model" : ".vocab"})
    fs::copy_file(codec_file(from_dir, name, ext), codec_file(to_dir, name, ext), fs::copy_options::overwrite_existing);
  return load(to_dir, name);
}

const Vocab& TextCodec::vocab() const { return subword_ ? subword_->vocab() : vocab_; }

std::vector<std::string> TextCodec::tokens(std::string_view line) const {
  switch (kind_) {
    case TokenKind::Char: {
      std::vector<std::string> chars = utf8_characters(line);
      std::erase_if(chars, is_space_char);
      return chars;
    }
    case TokenKind::Word: return split_whitespace(line);
    case TokenKind::Subword: return subword_->encode_pieces(line);
  }
  return {};
}

std::vector<int64_t> TextCodec::encode(std::string_view line, int64_t* unknowns) const {
  if (kind_ == TokenKind::Subword) return subword_->encode_ids(line, unknowns);
  const std::vector<std::string> toks = tokens(line);
  return vocab_.encode(toks, unknowns);
}

std::string TextCodec::decode(std::span<const int64_t> ids) const {
  if (kind_ == TokenKind::Subword) return subword_->decode_ids(std::vector<int64_t>(ids.begin(), ids.end()));
  const std::vector<std::string> toks = vocab_.decode(ids);
  std::string out;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (i > 0 && kind_ == TokenKind::Word) out += ' ';
    out += toks[i];
  }
  return out;
}

std::vector<std::string> TextCodec::token_strings(std::span<const int64_t> ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int64_t id : ids) out.push_back(vocab().token(id));
  return out;
}

std::vector<int64_t> TextCodec::word_of_line_tokens(std::string_view line) const {
  if (kind_ == TokenKind::Subword) return word_index_of_pieces(subword_->encode_pieces(line));
  std::vector<int64_t> words;
  if (kind_ == TokenKind::Word) {
    const size_t n = split_whitespace(line).size();
    for (size_t i = 0; i < n; ++i) words.push_back(static_cast<int64_t>(i));
    return words;
  }
  int64_t word = 0;
  bool in_word = false;
  for (const std::string& c : utf8_characters(line)) {
    if (is_space_char(c)) {
      if (in_word) ++word;
      in_word = false;
      continue;
    }
    words.push_back(word);
    in_word = true;
  }
  return words;
}

std::vector<int64_t> TextCodec::word_of_ids(std::span<const int64_t> ids) const {
  std::vector<int64_t> words;
  if (kind_ == TokenKind::Subword) return word_index_of_pieces(token_strings(ids));
  for (size_t i = 0; i < ids.size(); ++i) words.push_back(kind_ == TokenKind::Word ? static_cast<int64_t>(i) : 0);
  return words;
}

}  // namespace attend::data
