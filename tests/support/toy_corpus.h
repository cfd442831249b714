// Tiny parallel corpora written into a directory the way `attend data` lays them out ({split}.{side}), for
// end-to-end tests of `attend train --config`, translate and eval:
//   g2p-like:         source a random word over a small alphabet, target its letters as uppercase tokens,
//                     reversed (or in order); words are unique across train/dev/test.
//   translation-like: "el gato rojo come el pan" -> "the red cat eats the bread" (adjectives move before
//                     their noun), with {split}.gold (sure links between content words, possible links for
//                     el/the) and {split}.tagged (the content words: el/the are untagged, as KJV's "the").
#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace attend::testing_util {

struct ToyG2pOptions {
  std::string alphabet = "abcdefgh";
  int min_len = 2;
  int max_len = 5;
  int train = 120, dev = 20, test = 20;
  bool reverse = true;
  uint32_t seed = 7;
};

// The target line of a word: "abc" -> "C B A" (reverse) or "A B C".
inline std::string toy_g2p_target(const std::string& word, bool reverse) {
  std::string t;
  for (size_t k = 0; k < word.size(); ++k) {
    const char c = reverse ? word[word.size() - 1 - k] : word[k];
    if (!t.empty()) t += ' ';
    t += static_cast<char>(c - 'a' + 'A');
  }
  return t;
}

// Writes {train,dev,test}.src / .tgt into dir; returns the words of each split.
inline std::vector<std::vector<std::string>> write_toy_g2p(const std::filesystem::path& dir, const ToyG2pOptions& o) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(o.seed);
  std::set<std::string> used;
  std::vector<std::vector<std::string>> splits;
  const int counts[3] = {o.train, o.dev, o.test};
  const char* names[3] = {"train", "dev", "test"};
  for (int s = 0; s < 3; ++s) {
    std::ofstream src(dir / (std::string(names[s]) + ".src")), tgt(dir / (std::string(names[s]) + ".tgt"));
    std::vector<std::string> words;
    while (static_cast<int>(words.size()) < counts[s]) {
      const int len = o.min_len + static_cast<int>(rng() % static_cast<uint32_t>(o.max_len - o.min_len + 1));
      std::string w;
      for (int k = 0; k < len; ++k) w += o.alphabet[rng() % o.alphabet.size()];
      if (!used.insert(w).second) continue;
      words.push_back(w);
      src << w << '\n';
      tgt << toy_g2p_target(w, o.reverse) << '\n';
    }
    splits.push_back(std::move(words));
  }
  return splits;
}

struct ToySentence {
  std::vector<std::string> es, en;
  std::vector<std::pair<int, int>> sure, possible;  // (es word, en word)
};

// One sentence: "el N [A] V [el N [A]]".
inline ToySentence toy_translation_sentence(std::mt19937& rng) {
  static const std::vector<std::pair<std::string, std::string>> nouns = {
      {"gato", "cat"}, {"perro", "dog"}, {"casa", "house"}, {"pan", "bread"}, {"agua", "water"}, {"libro", "book"}};
  static const std::vector<std::pair<std::string, std::string>> adjectives = {
      {"rojo", "red"}, {"grande", "big"}, {"viejo", "old"}};
  static const std::vector<std::pair<std::string, std::string>> verbs = {
      {"come", "eats"}, {"ve", "sees"}, {"tiene", "has"}};
  ToySentence s;
  auto noun_phrase = [&] {
    const int det_es = static_cast<int>(s.es.size()), det_en = static_cast<int>(s.en.size());
    s.es.push_back("el");
    s.en.push_back("the");
    s.possible.push_back({det_es, det_en});
    const auto& n = nouns[rng() % nouns.size()];
    if (rng() % 2 == 0) {
      const auto& a = adjectives[rng() % adjectives.size()];
      // es: el N A   en: the A N
      s.es.push_back(n.first);
      s.es.push_back(a.first);
      s.en.push_back(a.second);
      s.en.push_back(n.second);
      s.sure.push_back({det_es + 1, det_en + 2});
      s.sure.push_back({det_es + 2, det_en + 1});
    } else {
      s.es.push_back(n.first);
      s.en.push_back(n.second);
      s.sure.push_back({det_es + 1, det_en + 1});
    }
  };
  noun_phrase();
  const auto& v = verbs[rng() % verbs.size()];
  s.sure.push_back({static_cast<int>(s.es.size()), static_cast<int>(s.en.size())});
  s.es.push_back(v.first);
  s.en.push_back(v.second);
  if (rng() % 3 != 0) noun_phrase();
  return s;
}

inline std::string join_words(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
  return s;
}

struct ToyTranslationOptions {
  int train = 200, dev = 20, test = 30;
  uint32_t seed = 11;
  // Every English line starts with an extra, unlinked and untagged "so": the sides then differ in length and
  // every link is i-(j+1), so a test can tell a gold read the right way round from one read transposed.
  bool english_lead_word = false;
};

// Writes {split}.es / .en / .gold / .tagged into dir; returns the sentences of each split.
inline std::vector<std::vector<ToySentence>> write_toy_translation(const std::filesystem::path& dir,
                                                                   const ToyTranslationOptions& o) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(o.seed);
  std::vector<std::vector<ToySentence>> splits;
  const int counts[3] = {o.train, o.dev, o.test};
  const char* names[3] = {"train", "dev", "test"};
  for (int s = 0; s < 3; ++s) {
    const std::string base = names[s];
    std::ofstream es(dir / (base + ".es")), en(dir / (base + ".en")), gold(dir / (base + ".gold")),
        tagged(dir / (base + ".tagged"));
    std::vector<ToySentence> sentences;
    for (int i = 0; i < counts[s]; ++i) {
      ToySentence t = toy_translation_sentence(rng);
      es << join_words(t.es) << '\n';
      const int lead = o.english_lead_word ? 1 : 0;
      en << (lead ? "so " : "") << join_words(t.en) << '\n';
      std::string g;
      for (auto [a, b] : t.sure) g += (g.empty() ? "" : " ") + std::to_string(a) + "-" + std::to_string(b + lead);
      for (auto [a, b] : t.possible) g += (g.empty() ? "" : " ") + std::to_string(a) + "?" + std::to_string(b + lead);
      gold << g << '\n';
      std::string ts, tt;
      for (size_t k = 0; k < t.es.size(); ++k)
        if (t.es[k] != "el") ts += (ts.empty() ? "" : " ") + std::to_string(k);
      for (size_t k = 0; k < t.en.size(); ++k)
        if (t.en[k] != "the") tt += (tt.empty() ? "" : " ") + std::to_string(k + lead);
      tagged << ts << " ||| " << tt << '\n';
      sentences.push_back(std::move(t));
    }
    splits.push_back(std::move(sentences));
  }
  return splits;
}

// A config for `attend train --config` with a tiny Bahdanau GRU model on a toy corpus in data_dir; tests
// adjust the sections they care about.
inline nlohmann::json toy_g2p_config(const std::filesystem::path& data_dir) {
  return {{"task", "g2p"},
          {"data", {{"dir", data_dir.string()}, {"src", "src"}, {"tgt", "tgt"}, {"src_tokens", "char"},
                    {"tgt_tokens", "word"}}},
          {"model", {{"cell", "gru"}, {"embed", 8}, {"encoder_hidden", 16}, {"hidden", 16},
                     {"decoder", "bahdanau"}, {"attention", {{"score", "additive"}, {"hidden_dim", 16}}}}},
          {"train", {{"max_tokens", 150}, {"max_steps", 30}, {"lr", 0.01}, {"valid_every", 10},
                     {"valid_sentences", 0}, {"checkpoint_every", 10}, {"log_every", 5}, {"patience", 0},
                     {"seed", 3}}}};
}

inline nlohmann::json toy_translation_config(const std::filesystem::path& data_dir) {
  nlohmann::json j = toy_g2p_config(data_dir);
  j["task"] = "translation";
  j["data"] = {{"dir", data_dir.string()}, {"src", "es"}, {"tgt", "en"}, {"src_tokens", "word"},
               {"tgt_tokens", "word"}};
  return j;
}

inline void write_json_file(const std::filesystem::path& path, const nlohmann::json& j) {
  std::ofstream(path, std::ios::trunc) << j.dump(2) << '\n';
}

}  // namespace attend::testing_util
