// Plain and keyed G2P hypothesis/reference files (see g2p_files.h).
#include "g2p_files.h"

#include "base/error.h"
#include "eval/text.h"

namespace attend::app {
namespace {

std::vector<std::string> phonemes(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view t : eval::split_whitespace(text)) out.emplace_back(t);
  return out;
}

bool blank(std::string_view line) { return eval::split_whitespace(line).empty(); }

// The word before the tab, its letters joined by single spaces: "c a t", "c  a t " and "c a t\r" are one word.
std::string word_key(std::string_view line, size_t tab, size_t line_number, const std::string& path) {
  std::string key;
  for (std::string_view t : eval::split_whitespace(line.substr(0, tab))) {
    if (!key.empty()) key += ' ';
    key += t;
  }
  ATTEND_CHECK(!key.empty(), "eval per: line {} of {} has no word before the tab", line_number, path);
  return key;
}

}  // namespace

bool g2p_lines_keyed(const std::vector<std::string>& lines, const std::string& path) {
  size_t with_tab = 0;
  for (const std::string& line : lines) with_tab += line.find('\t') != std::string::npos;
  if (with_tab == 0) return false;
  for (size_t i = 0; i < lines.size(); ++i)
    ATTEND_CHECK(lines[i].find('\t') != std::string::npos || blank(lines[i]),
                 "eval per: line {} of {} has no tab but {} other lines are 'word<TAB>phonemes': use one layout", i + 1,
                 path, with_tab);
  return true;
}

G2pReferences read_g2p_references(const std::string& path) {
  G2pReferences r;
  r.path = path;
  const std::vector<std::string> lines = eval::read_lines(path, "reference file");
  ATTEND_CHECK(!lines.empty(), "eval per: {} is empty: nothing to score against", path);
  r.keyed = g2p_lines_keyed(lines, path);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view text = lines[i];
    std::string word;
    if (r.keyed) {
      if (blank(text)) continue;  // a keyed file may end in (or hold) blank lines
      const size_t tab = text.find('\t');
      word = word_key(text, tab, i + 1, path);
      text = text.substr(tab + 1);
    }
    std::vector<std::string> pron = phonemes(text);
    ATTEND_CHECK(!pron.empty(), "eval per: line {} of {} has no phonemes", i + 1, path);
    if (!r.keyed) {
      r.pronunciations.push_back({std::move(pron)});
      continue;
    }
    const auto [it, fresh] = r.index.emplace(word, r.words.size());
    if (fresh) {
      r.words.push_back(word);
      r.pronunciations.emplace_back();
    }
    r.pronunciations[it->second].push_back(std::move(pron));
  }
  return r;
}

std::vector<eval::G2pScore> score_g2p_file(const std::string& hyp_path, const G2pReferences& refs) {
  const std::vector<std::string> lines = eval::read_lines(hyp_path, "hypothesis file");
  ATTEND_CHECK(!lines.empty(), "eval per: {} is empty: nothing to score", hyp_path);
  const bool keyed = g2p_lines_keyed(lines, hyp_path);
  ATTEND_CHECK(keyed == refs.keyed, "eval per: {} is {} but {} is {}: give both in one layout", hyp_path,
               keyed ? "'word<TAB>phonemes'" : "plain phonemes", refs.path,
               refs.keyed ? "'word<TAB>phonemes'" : "plain phonemes");
  std::vector<eval::G2pScore> scores(refs.pronunciations.size());
  if (!keyed) {
    ATTEND_CHECK(lines.size() == refs.pronunciations.size(), "eval per: {} has {} lines but {} has {} lines", hyp_path,
                 lines.size(), refs.path, refs.pronunciations.size());
    for (size_t i = 0; i < lines.size(); ++i) scores[i] = eval::score_g2p_word(phonemes(lines[i]), refs.pronunciations[i]);
    return scores;
  }
  std::vector<size_t> line_of(refs.words.size(), 0);  // 1-based line that gave each word, 0 = none yet
  for (size_t i = 0; i < lines.size(); ++i) {
    if (blank(lines[i])) continue;
    const size_t tab = lines[i].find('\t');
    const std::string word = word_key(lines[i], tab, i + 1, hyp_path);
    const auto it = refs.index.find(word);
    ATTEND_CHECK(it != refs.index.end(), "eval per: line {} of {}: the word '{}' is not in {}", i + 1, hyp_path, word,
                 refs.path);
    ATTEND_CHECK(line_of[it->second] == 0, "eval per: lines {} and {} of {} both give the word '{}'",
                 line_of[it->second], i + 1, hyp_path, word);
    line_of[it->second] = i + 1;
    scores[it->second] =
        eval::score_g2p_word(phonemes(std::string_view(lines[i]).substr(tab + 1)), refs.pronunciations[it->second]);
  }
  for (size_t w = 0; w < refs.words.size(); ++w)
    ATTEND_CHECK(line_of[w] != 0, "eval per: {} has no line for the word '{}' of {}", hyp_path, refs.words[w],
                 refs.path);
  return scores;
}

}  // namespace attend::app
