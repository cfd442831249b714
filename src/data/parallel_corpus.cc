// Reading, tokenising and filtering parallel text.
#include "data/parallel_corpus.h"

#include <algorithm>
#include <unordered_map>

#include "base/error.h"
#include "data/subword.h"
#include "data/text_file.h"
#include "data/vocab.h"

namespace attend::data {

LineTokenizer whitespace_tokenizer(const Vocab& vocab) {
  return [&vocab](std::string_view line) { return vocab.encode(split_whitespace(line)); };
}

LineTokenizer subword_tokenizer(const SubwordModel& model) {
  return [&model](std::string_view line) { return model.encode_ids(line); };
}

ParallelLines read_parallel_lines(const std::string& src_path, const std::string& tgt_path) {
  ParallelLines p;
  p.src = read_lines(src_path, "parallel corpus");
  p.tgt = read_lines(tgt_path, "parallel corpus");
  p.src_path = src_path;
  p.tgt_path = tgt_path;
  ATTEND_CHECK(p.src.size() == p.tgt.size(), "parallel corpus: '{}' has {} lines but '{}' has {}", src_path,
               p.src.size(), tgt_path, p.tgt.size());
  return p;
}

ParallelCorpus tokenize_parallel(const ParallelLines& lines, const LineTokenizer& src, const LineTokenizer& tgt,
                                 const CorpusFilter& filter) {
  ATTEND_CHECK(lines.src.size() == lines.tgt.size(), "parallel corpus: {} source lines but {} target lines",
               lines.src.size(), lines.tgt.size());
  ATTEND_CHECK(filter.max_length >= 0, "parallel corpus: negative max_length {}", filter.max_length);
  ParallelCorpus c;
  auto& st = c.stats;
  for (size_t i = 0; i < lines.src.size(); ++i) {
    ++st.lines;
    if (is_blank(lines.src[i]) || is_blank(lines.tgt[i])) {
      ++st.empty;
      continue;
    }
    Example e;
    e.src = src(lines.src[i]);
    e.tgt = tgt(lines.tgt[i]);
    e.index = static_cast<int64_t>(i);
    if (e.src.empty() || e.tgt.empty()) {
      ++st.empty;
      continue;
    }
    if (filter.max_length > 0 && (static_cast<int64_t>(e.src.size()) > filter.max_length ||
                                  static_cast<int64_t>(e.tgt.size()) > filter.max_length)) {
      ++st.too_long;
      continue;
    }
    ++st.kept;
    st.src_tokens += static_cast<int64_t>(e.src.size());
    st.tgt_tokens += static_cast<int64_t>(e.tgt.size());
    st.src_unknown += std::count(e.src.begin(), e.src.end(), kUnk);
    st.tgt_unknown += std::count(e.tgt.begin(), e.tgt.end(), kUnk);
    c.examples.push_back(std::move(e));
  }
  return c;
}

ParallelCorpus read_parallel_corpus(const std::string& src_path, const std::string& tgt_path,
                                    const LineTokenizer& src, const LineTokenizer& tgt, const CorpusFilter& filter) {
  return tokenize_parallel(read_parallel_lines(src_path, tgt_path), src, tgt, filter);
}

GroupedReferences group_references(const ParallelLines& lines) {
  GroupedReferences g;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < lines.src.size(); ++i) {
    if (is_blank(lines.src[i]) || is_blank(lines.tgt[i])) continue;
    auto [it, fresh] = index.emplace(lines.src[i], g.src.size());
    if (fresh) {
      g.src.push_back(lines.src[i]);
      g.refs.emplace_back();
    }
    g.refs[it->second].push_back(split_whitespace(lines.tgt[i]));
  }
  return g;
}

}  // namespace attend::data
