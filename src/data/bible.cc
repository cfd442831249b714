// Reading the two SWORD Bible modules verse by verse through libsword, flagging verse keys whose two
// sides hold different verses, the fixed book split, and writing the corpus files.
#include "data/bible.h"

#include <swlog.h>
#include <swmgr.h>
#include <swmodule.h>
#include <versekey.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "base/error.h"

namespace attend::data {

namespace {

constexpr const char* kInstallHint = "install the modules with: apt-get install sword-text-sparv sword-text-kjv";

double jaccard(const std::vector<Strongs>& a, const std::vector<Strongs>& b) {
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else ++common, ++i, ++j;
  }
  const size_t all = a.size() + b.size() - common;
  return all == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(all);
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

sword::SWModule* find_module(sword::SWMgr& mgr, const std::string& name, const std::string& path) {
  sword::SWModule* m = mgr.getModule(name.c_str());
  ATTEND_CHECK(m != nullptr, "bible: SWORD module {} not found ({}); {}", name,
               path.empty() ? "system SWORD library" : "looked in " + path, kInstallHint);
  std::unique_ptr<sword::SWKey> key(m->createKey());
  ATTEND_CHECK(dynamic_cast<sword::VerseKey*>(key.get()) != nullptr, "bible: SWORD module {} is not a Bible text",
               name);
  return m;
}

std::string versification(const sword::SWModule& m) {
  const char* v = m.getConfigEntry("Versification");
  return v && *v ? v : "KJV";
}

}  // namespace

const char* bible_split_name(BibleSplit s) {
  switch (s) {
    case BibleSplit::Train: return "train";
    case BibleSplit::Dev: return "dev";
    case BibleSplit::Test: return "test";
  }
  return "?";
}

const std::vector<std::string>& bible_dev_books() {
  static const std::vector<std::string> books = {"Esth",  "Eccl",  "Mic",  "Zeph", "Hag",  "Phil",
                                                 "Col",   "1Thess", "Titus", "1Pet", "2Pet", "Jude"};
  return books;
}

const std::vector<std::string>& bible_test_books() {
  static const std::vector<std::string> books = {"Ruth", "Lam", "Joel", "Mark", "Eph", "Jas"};
  return books;
}

BibleSplit bible_split_of(std::string_view osis_book) {
  for (const auto& b : bible_test_books())
    if (b == osis_book) return BibleSplit::Test;
  for (const auto& b : bible_dev_books())
    if (b == osis_book) return BibleSplit::Dev;
  return BibleSplit::Train;
}

std::string BiblePair::ref() const { return book + " " + std::to_string(chapter) + ":" + std::to_string(verse); }

std::vector<bool> find_misaligned_verses(const std::vector<VerseSignature>& verses, const MisalignmentOptions& opt) {
  ATTEND_CHECK(opt.window >= 0 && opt.margin >= 0 && opt.max_length_ratio >= 1,
               "bible: bad misalignment options (window {}, margin {}, length ratio {})", opt.window, opt.margin,
               opt.max_length_ratio);
  const auto n = static_cast<int64_t>(verses.size());
  std::vector<bool> bad(verses.size(), false);
  for (int64_t k = 0; k < n; ++k) {
    const VerseSignature& v = verses[k];
    const int32_t hi = std::max(v.src_words, v.tgt_words), lo = std::min(v.src_words, v.tgt_words);
    if (lo > 0 && hi >= opt.min_length_for_ratio && hi > opt.max_length_ratio * lo) bad[k] = true;
    if (v.src.empty() || v.tgt.empty()) continue;
    const double own = jaccard(v.src, v.tgt);
    double best = own + opt.margin;
    int64_t best_x = -1;
    for (int64_t x = std::max<int64_t>(0, k - opt.window); x <= std::min(n - 1, k + opt.window); ++x) {
      if (x == k || verses[x].book != v.book) continue;
      const double cross = std::max(jaccard(v.src, verses[x].tgt), jaccard(verses[x].src, v.tgt));
      if (cross > best) best = cross, best_x = x;
    }
    if (best_x >= 0) bad[k] = bad[best_x] = true;
  }
  // Verse boundaries that differ: the neighbours of a flagged or one-sided key, when their lengths are
  // out of proportion, carry some of its text.
  std::vector<double> log_ratios;
  for (const auto& v : verses)
    if (v.src_words > 0 && v.tgt_words > 0) log_ratios.push_back(std::log(double(v.src_words) / v.tgt_words));
  if (log_ratios.empty()) return bad;
  std::nth_element(log_ratios.begin(), log_ratios.begin() + log_ratios.size() / 2, log_ratios.end());
  const double median = log_ratios[log_ratios.size() / 2];
  const double limit = std::log(std::max(1.0, opt.neighbour_length_factor));
  std::vector<bool> out = bad;
  for (int64_t k = 0; k < n; ++k) {
    const VerseSignature& v = verses[k];
    const bool one_sided = (v.src_words == 0) != (v.tgt_words == 0);
    if (!bad[k] && !one_sided) continue;
    for (int64_t x : {k - 1, k + 1}) {
      if (x < 0 || x >= n || bad[x] || verses[x].book != v.book) continue;
      const VerseSignature& u = verses[x];
      if (u.src_words == 0 || u.tgt_words == 0) continue;
      if (std::abs(std::log(double(u.src_words) / u.tgt_words) - median) > limit) out[x] = true;
    }
  }
  return out;
}

BibleCorpus read_bible(const BibleOptions& opt) {
  // libsword logs to stderr; the library never prints, and failures surface as attend::Error.
  sword::SWLog::getSystemLog()->setLogLevel(0);
  if (!opt.sword_path.empty())
    ATTEND_CHECK(std::filesystem::is_directory(opt.sword_path),
                 "bible: SWORD library folder {} does not exist (leave it out for the system's modules; {})",
                 opt.sword_path, kInstallHint);
  std::unique_ptr<sword::SWMgr> mgr =
      opt.sword_path.empty() ? std::make_unique<sword::SWMgr>()
                             : std::make_unique<sword::SWMgr>(opt.sword_path.c_str(), true, nullptr, false, false);
  sword::SWModule* src = find_module(*mgr, opt.src_module, opt.sword_path);
  sword::SWModule* tgt = find_module(*mgr, opt.tgt_module, opt.sword_path);
  ATTEND_CHECK(versification(*src) == versification(*tgt),
               "bible: modules {} and {} number verses differently ({} vs {}); verse keys would not match",
               opt.src_module, opt.tgt_module, versification(*src), versification(*tgt));

  struct Entry {
    BiblePair pair;
    const char* skip = nullptr;
  };
  std::vector<Entry> entries;
  entries.reserve(31200);
  std::vector<VerseSignature> sigs;
  sigs.reserve(31200);
  BibleCorpus corpus;

  std::unique_ptr<sword::SWKey> key_holder(src->createKey());
  auto* key = dynamic_cast<sword::VerseKey*>(key_holder.get());
  key->setIntros(false);  // no book or chapter introductions (verse 0): only verses
  key->setPosition(sword::TOP);
  int32_t book_index = -1;
  std::string last_book;
  for (; !key->popError(); key->increment()) {
    Entry e;
    e.pair.book = key->getOSISBookName();
    e.pair.chapter = key->getChapter();
    e.pair.verse = key->getVerse();
    e.pair.split = bible_split_of(e.pair.book);
    if (e.pair.book != last_book) ++book_index, last_book = e.pair.book;
    src->setKey(*key);
    const std::string src_raw = src->getRawEntry();
    tgt->setKey(*key);
    const std::string tgt_raw = tgt->getRawEntry();
    ++corpus.keys;
    const std::string where_src = opt.src_module + " " + e.pair.ref(), where_tgt = opt.tgt_module + " " + e.pair.ref();
    if (!blank(src_raw)) e.pair.src = parse_osis_verse(src_raw, where_src, opt.markup);
    if (!blank(tgt_raw)) e.pair.tgt = parse_osis_verse(tgt_raw, where_tgt, opt.markup);
    if (blank(src_raw)) e.skip = "missing_src";
    else if (blank(tgt_raw)) e.skip = "missing_tgt";
    else if (e.pair.src.words.empty()) e.skip = "empty_src";
    else if (e.pair.tgt.words.empty()) e.skip = "empty_tgt";
    corpus.present_in_both += !blank(src_raw) && !blank(tgt_raw);
    VerseSignature sig;
    sig.book = book_index;
    sig.src_words = static_cast<int32_t>(e.pair.src.words.size());
    sig.tgt_words = static_cast<int32_t>(e.pair.tgt.words.size());
    if (!e.skip) {
      for (const auto& s : e.pair.src.spans) sig.src.insert(sig.src.end(), s.numbers.begin(), s.numbers.end());
      for (const auto& s : e.pair.tgt.spans) sig.tgt.insert(sig.tgt.end(), s.numbers.begin(), s.numbers.end());
      for (auto* v : {&sig.src, &sig.tgt}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
      }
    }
    sigs.push_back(std::move(sig));
    entries.push_back(std::move(e));
  }
  ATTEND_CHECK(corpus.keys > 0, "bible: module {} has no verses", opt.src_module);

  const std::vector<bool> misaligned =
      opt.skip_misaligned ? find_misaligned_verses(sigs, opt.misalignment) : std::vector<bool>(entries.size(), false);
  for (size_t k = 0; k < entries.size(); ++k) {
    Entry& e = entries[k];
    if (!e.skip && misaligned[k]) e.skip = "misaligned";
    if (e.skip) {
      corpus.skipped.push_back({e.pair.ref(), e.skip});
      continue;
    }
    e.pair.gold = strongs_alignment(e.pair.src, e.pair.tgt, opt.gold);
    corpus.verses.push_back(std::move(e.pair));
  }
  return corpus;
}

nlohmann::json bible_stats(const BibleCorpus& corpus, const BibleOptions& opt) {
  using nlohmann::json;
  json stats;
  stats["modules"] = {{"src", opt.src_module}, {"tgt", opt.tgt_module}};
  stats["verse_keys"] = corpus.keys;
  stats["present_in_both"] = corpus.present_in_both;
  stats["options"] = {{"repeated_numbers_are_possible", opt.gold.repeated_numbers_are_possible},
                      {"keep_canonical_titles", opt.markup.keep_canonical_titles},
                      {"keep_trailing_titles", opt.markup.keep_trailing_titles},
                      {"skip_misaligned", opt.skip_misaligned},
                      {"misalignment",
                       {{"window", opt.misalignment.window},
                        {"margin", opt.misalignment.margin},
                        {"max_length_ratio", opt.misalignment.max_length_ratio},
                        {"min_length_for_ratio", opt.misalignment.min_length_for_ratio},
                        {"neighbour_length_factor", opt.misalignment.neighbour_length_factor}}}};
  stats["kept"] = corpus.verses.size();
  for (BibleSplit s : {BibleSplit::Train, BibleSplit::Dev, BibleSplit::Test}) {
    int64_t verses = 0, src_words = 0, tgt_words = 0, src_tagged = 0, tgt_tagged = 0, sure = 0, possible = 0;
    std::vector<std::string> books;
    for (const BiblePair& p : corpus.verses) {
      if (p.split != s) continue;
      ++verses;
      if (books.empty() || books.back() != p.book) books.push_back(p.book);
      src_words += static_cast<int64_t>(p.src.words.size());
      tgt_words += static_cast<int64_t>(p.tgt.words.size());
      for (size_t i = 0; i < p.src.words.size(); ++i) src_tagged += p.src.tagged(i);
      for (size_t j = 0; j < p.tgt.words.size(); ++j) tgt_tagged += p.tgt.tagged(j);
      for (const auto& l : p.gold) (l.sure ? sure : possible)++;
    }
    json& js = stats["splits"][bible_split_name(s)];
    js = {{"verses", verses},
          {"books", books.size()},
          {"src_words", src_words},
          {"tgt_words", tgt_words},
          {"src_tagged_words", src_tagged},
          {"tgt_tagged_words", tgt_tagged},
          {"links_sure", sure},
          {"links_possible_only", possible}};
    if (s != BibleSplit::Train) js["book_list"] = books;
  }
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const auto& k : corpus.skipped) by_reason[k.reason].push_back(k.ref);
  json& skipped = stats["skipped"];
  skipped["total"] = corpus.skipped.size();
  skipped["by_reason"] = json::object();
  for (const auto& [reason, refs] : by_reason) {
    const size_t shown = std::min<size_t>(refs.size(), 10);
    skipped["by_reason"][reason] = {{"count", refs.size()},
                                    {"first", std::vector<std::string>(refs.begin(), refs.begin() + shown)}};
  }
  return stats;
}

nlohmann::json write_bible_corpus(const std::string& out_dir, const BibleOptions& opt) {
  const BibleCorpus corpus = read_bible(opt);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  ATTEND_CHECK(!ec && std::filesystem::is_directory(out_dir), "bible: cannot create output folder {}: {}", out_dir,
               ec.message());
  const std::filesystem::path dir(out_dir);
  struct Files {
    std::ofstream es, en, ref, gold, tagged;
  };
  std::map<BibleSplit, Files> files;
  auto open = [&](std::ofstream& f, const std::string& name) {
    f.open(dir / name, std::ios::binary | std::ios::trunc);
    ATTEND_CHECK(f.good(), "bible: cannot write {}", (dir / name).string());
  };
  for (BibleSplit s : {BibleSplit::Train, BibleSplit::Dev, BibleSplit::Test}) {
    const std::string n = bible_split_name(s);
    Files& f = files[s];
    open(f.es, n + ".es");
    open(f.en, n + ".en");
    open(f.ref, n + ".ref");
    open(f.gold, n + ".gold");
    open(f.tagged, n + ".tagged");
  }
  for (const BiblePair& p : corpus.verses) {
    Files& f = files[p.split];
    f.es << p.src.text << '\n';
    f.en << p.tgt.text << '\n';
    f.ref << p.ref() << '\n';
    f.gold << format_pharaoh(p.gold) << '\n';
    std::string tagged;
    for (size_t i = 0; i < p.src.words.size(); ++i)
      if (p.src.tagged(i)) tagged += std::to_string(i) + ' ';
    tagged += "|||";
    for (size_t j = 0; j < p.tgt.words.size(); ++j)
      if (p.tgt.tagged(j)) tagged += ' ' + std::to_string(j);
    f.tagged << tagged << '\n';
  }
  for (auto& [s, f] : files) {
    for (std::ofstream* o : {&f.es, &f.en, &f.ref, &f.gold, &f.tagged}) {
      o->close();
      ATTEND_CHECK(!o->fail(), "bible: writing the {} files in {} failed", bible_split_name(s), out_dir);
    }
  }
  nlohmann::json stats = bible_stats(corpus, opt);
  std::ofstream js(dir / "stats.json", std::ios::binary | std::ios::trunc);
  js << stats.dump(2) << '\n';
  js.close();
  ATTEND_CHECK(!js.fail(), "bible: cannot write {}", (dir / "stats.json").string());
  return stats;
}

}  // namespace attend::data
