// The Bible corpus from the installed SWORD modules (spaRV1909eb, engKJV2006eb; project dependencies):
// verses checked word by word against their raw markup read by hand, properties of the whole corpus
// and of the written files, the fixed book split, misalignment detection, and missing-module errors.
#include "data/bible.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::data {
namespace {

using attend::testing::expect_error_containing;
using attend::testing_util::read_bytes;
using attend::testing_util::TempDir;

const BibleCorpus& corpus() {
  static const BibleCorpus c = read_bible();
  return c;
}

const BiblePair& verse(const std::string& ref) {
  static const std::map<std::string, const BiblePair*> by_ref = [] {
    std::map<std::string, const BiblePair*> m;
    for (const auto& p : corpus().verses) m[p.ref()] = &p;
    return m;
  }();
  const auto it = by_ref.find(ref);
  if (it == by_ref.end()) throw std::runtime_error("verse not in the corpus: " + ref);
  return *it->second;
}

std::vector<std::string> numbers(const BibleVerse& v, size_t word) {
  std::vector<std::string> out;
  for (Strongs s : v.strongs[word]) out.push_back(strongs_to_string(s));
  return out;
}

using Names = std::vector<std::string>;

// Raw markup (spaRV1909eb / engKJV2006eb), Genesis 1:1:
//   <w lemma="strong:H7225">EN el principio</w> <w lemma="strong:H1254">crió</w> <w lemma="strong:H0430">Dios</w>
//   <w lemma="strong:H8064">los cielos</w> <w lemma="strong:H0776">y la tierra</w>.
//   In the <w lemma="strong:H7225">beginning</w> <w lemma="strong:H0430">God</w> <w lemma="strong:H1254">created</w>
//   the <w lemma="strong:H8064">heaven</w> <w lemma="strong:H0853">and</w> the <w lemma="strong:H0776">earth</w>.
TEST(BibleCorpus, Genesis1v1MatchesItsMarkup) {
  const BiblePair& p = verse("Gen 1:1");
  EXPECT_EQ(p.split, BibleSplit::Train);
  EXPECT_EQ(p.src.text, "EN el principio crió Dios los cielos y la tierra.");
  EXPECT_EQ(p.tgt.text, "In the beginning God created the heaven and the earth.");
  ASSERT_EQ(p.src.words.size(), 10u);
  ASSERT_EQ(p.tgt.words.size(), 10u);
  EXPECT_EQ(numbers(p.src, 0), Names{"H7225"});
  EXPECT_EQ(numbers(p.src, 9), Names{"H776"});
  EXPECT_EQ(numbers(p.tgt, 7), Names{"H853"});  // the KJV tags "and" with the object marker
  EXPECT_TRUE(p.tgt.strongs[1].empty());        // "the": untagged
  // H7225 3 words : 1 -> possible; H1254 and H0430 one word each -> sure; H8064 2:1, H0776 3:1 -> possible;
  // H0853 has no Spanish span.
  EXPECT_EQ(format_pharaoh(p.gold), "0?2 1?2 2?2 3-4 4-3 5?6 6?6 7?9 8?9 9?9");
}

// Genesis 1:2, English: ... <w lemma="strong:H2822">darkness</w> <transChange type="added">was</transChange>
// upon the <w lemma="strong:H6440">face</w> ... <div eID="gen3" type="x-p"/>
TEST(BibleCorpus, TransChangeWordsAreTextWithoutNumbers) {
  const BiblePair& p = verse("Gen 1:2");
  EXPECT_EQ(p.tgt.text,
            "And the earth was without form, and void; and darkness was upon the face of the deep. And the Spirit "
            "of God moved upon the face of the waters.");
  ASSERT_EQ(p.tgt.words.size(), 29u);
  EXPECT_EQ(p.tgt.words[10], "was");
  EXPECT_TRUE(p.tgt.strongs[10].empty());
  EXPECT_EQ(numbers(p.tgt, 9), Names{"H2822"});
  // "estaban sobre" and "sobre" both carry H5921, KJV "upon" once: possible links only.
  EXPECT_EQ(numbers(p.src, 10), Names{"H5921"});
  std::set<int32_t> linked_to_upon;
  for (const auto& l : p.gold) {
    if (l.tgt != 23) continue;
    EXPECT_FALSE(l.sure) << l.src;
    linked_to_upon.insert(l.src);
  }
  EXPECT_EQ(linked_to_upon, (std::set<int32_t>{10, 11, 23}));
}

// Psalm 3:1: the Spanish carries the superscription in the verse; the KJV in a pre-verse
// <title canonical="true" type="psalm">A <w lemma="strong:H4210">Psalm</w> of <w ...H1732>David</w>, ...</title>,
// kept; the Spanish "su hijo" and "¡OH" both carry H1121, so their links to "son." are only possible.
TEST(BibleCorpus, Psalm3v1KeepsTheCanonicalTitleOnBothSides) {
  const BiblePair& p = verse("Ps 3:1");
  EXPECT_EQ(p.src.text,
            "Salmo de David, cuando huía de delante de Absalom su hijo. ¡OH Jehová, cuánto se han multiplicado mis "
            "enemigos! muchos se levantan contra mí.");
  EXPECT_EQ(p.tgt.text,
            "A Psalm of David, when he fled from Absalom his son. LORD, how are they increased that trouble me! "
            "many are they that rise up against me.");
  EXPECT_EQ(p.src.words.size(), 24u);
  EXPECT_EQ(p.tgt.words.size(), 27u);
  EXPECT_EQ(numbers(p.tgt, 11), Names{"H3068"});  // <divineName><w lemma="strong:H3068">LORD</w></divineName>
  EXPECT_TRUE(p.src.strongs[23].empty());         // "mí." lies outside every span
  EXPECT_EQ(format_pharaoh(p.gold),
            "0-1 1?3 2?3 3?6 4?6 5?7 6?7 7?8 8?8 9?10 10?10 11?10 12-11 15?15 16?15 17?17 18?17 19-19 21-24");
}

// John 3:16, worked out from the markup: G0846 tags "á su" and "él" (Spanish), "his" and "him" (English),
// so those links are all possible; G3588 ("al", "aquel") has no English span.
TEST(BibleCorpus, John3v16MatchesItsMarkup) {
  const BiblePair& p = verse("John 3:16");
  EXPECT_EQ(p.src.text,
            "Porque de tal manera amó Dios al mundo, que ha dado á su Hijo unigénito, para que todo aquel que en él "
            "cree, no se pierda, mas tenga vida eterna.");
  EXPECT_EQ(p.tgt.text,
            "For God so loved the world, that he gave his only begotten Son, that whosoever believeth in him should "
            "not perish, but have everlasting life.");
  EXPECT_EQ(p.src.words.size(), 30u);
  EXPECT_EQ(p.tgt.words.size(), 25u);
  EXPECT_EQ(numbers(p.src, 6), Names{"G3588"});
  EXPECT_EQ(numbers(p.tgt, 4), Names{"G2889"});  // <w lemma="strong:G2889">the world</w>
  EXPECT_EQ(format_pharaoh(p.gold),
            "0-0 1?2 2?2 3?2 4-3 5-1 7?4 7?5 8-6 9?7 9?8 10?7 10?8 11?9 11?17 12?9 12?17 13-12 14?10 14?11 15?13 "
            "16?13 17-14 19?13 20-16 21?9 21?17 22-15 23-19 24?18 24?20 25?18 25?20 26-21 27-22 28-24 29-23");
}

TEST(BibleCorpus, MarkupQuirksOfTheModulesAreCleanedUp) {
  // KJV Exodus 6:3 carries a stray USFM marker: "by my name \nd <w ...>JEHOVAH</w></divineName> was I".
  EXPECT_EQ(verse("Exod 6:3").tgt.text,
            "And I appeared unto Abraham, unto Isaac, and unto Jacob, by the name of God Almighty, but by my name "
            "JEHOVAH was I not known to them.");
  // Psalm 119:9: the acrostic heading <title><foreign>ב BETH.</foreign></title> is dropped (the Spanish
  // keeps its "BETH" as verse text).
  EXPECT_EQ(verse("Ps 119:9").tgt.text,
            "Wherewithal shall a young man cleanse his way? by taking heed thereto according to thy word.");
  EXPECT_EQ(verse("Ps 119:9").src.words[0], "BETH");
  // John 3:16 KJV opens with a pilcrow "¶ <w ...>For</w>": gone.
  EXPECT_EQ(verse("John 3:16").tgt.words[0], "For");
  // Romans 16:27, Spanish: "enviada</transChange><w ...>por</w><transChange ...>medio de</transChange><w>Febe"
  // has no spaces; the KJV subscription is a <title> after the verse text, kept.
  const BiblePair& r = verse("Rom 16:27");
  EXPECT_NE(r.src.text.find("Romanos, enviada por medio de Febe, diaconisa"), std::string::npos) << r.src.text;
  EXPECT_NE(r.tgt.text.find("Amen. Written to the Romans from Corinthus, and sent by Phebe"), std::string::npos)
      << r.tgt.text;
  // Genesis 25:33, Spanish: <w lemma="strong:H7650">Júrame</w><transChange type="added">lo</transChange>: an
  // enclitic pronoun written as an addition stays on its verb, and the word keeps the verb's number.
  const BiblePair& g = verse("Gen 25:33");
  EXPECT_EQ(g.src.words[3], "Júramelo");
  EXPECT_EQ(numbers(g.src, 3), Names{"H7650"});
  // Spanish "Jesucristo" carries two numbers: sure with both "Jesus" and "Christ" (Romans 16:27).
  const auto& w = r.src.words;
  const auto jc = std::find(w.begin(), w.end(), "Jesucristo") - w.begin();
  EXPECT_EQ(numbers(r.src, static_cast<size_t>(jc)), (Names{"G2424", "G5547"}));
}

TEST(BibleCorpus, EveryVerseKeyIsReadAndSkipsAreAccountedFor) {
  const BibleCorpus& c = corpus();
  EXPECT_EQ(c.keys, 31102);            // KJV versification (no 3 John 1:15)
  EXPECT_EQ(c.present_in_both, 31096);  // the Spanish module lacks six Job verses
  EXPECT_EQ(static_cast<int64_t>(c.verses.size() + c.skipped.size()), c.keys);
  std::vector<std::string> missing;
  std::map<std::string, int> reasons;
  for (const auto& s : c.skipped) {
    ++reasons[s.reason];
    if (s.reason == "missing_src") missing.push_back(s.ref);
  }
  EXPECT_EQ(missing, (Names{"Job 38:39", "Job 38:40", "Job 40:20", "Job 40:21", "Job 40:22", "Job 40:23"}));
  EXPECT_EQ(reasons.count("missing_tgt"), 0u);
  EXPECT_EQ(reasons.count("empty_tgt"), 0u);
  // Skipped verses are few (versification differences), kept ones are the rest.
  EXPECT_LT(c.skipped.size(), 260u);
  EXPECT_GT(c.verses.size(), 30800u);
}

TEST(BibleCorpus, PassagesNumberedTheHebrewWayAreSkipped) {
  std::set<std::string> skipped;
  for (const auto& s : corpus().skipped) skipped.insert(s.ref);
  // Jonah 1:17 (KJV) is the Spanish module's Jonah 2:1, so Jonah 2 is shifted by one verse.
  for (int v = 1; v <= 10; ++v) EXPECT_TRUE(skipped.count("Jonah 2:" + std::to_string(v))) << v;
  EXPECT_TRUE(skipped.count("Jonah 1:17"));
  EXPECT_FALSE(skipped.count("Jonah 1:16"));
  EXPECT_EQ(verse("Jonah 1:16").src.words[0], "Y");
  // Job 39:30 in Spanish also holds KJV Job 40:1-5.
  EXPECT_TRUE(skipped.count("Job 39:30"));
  EXPECT_TRUE(skipped.count("Num 13:1"));
  EXPECT_TRUE(skipped.count("Hos 12:1"));
  // Mark 9:43 has no numbers in the KJV module: nothing to judge by, kept.
  EXPECT_FALSE(skipped.count("Mark 9:43"));
}

TEST(BibleCorpus, GoldLinksAreInRangeBetweenTaggedWordsAndFollowTheSpans) {
  for (const BiblePair& p : corpus().verses) {
    ASSERT_EQ(p.src.strongs.size(), p.src.words.size());
    ASSERT_EQ(p.tgt.strongs.size(), p.tgt.words.size());
    std::set<std::pair<int32_t, int32_t>> seen;
    for (const auto& l : p.gold) {
      ASSERT_TRUE(l.src >= 0 && l.src < static_cast<int32_t>(p.src.words.size())) << p.ref();
      ASSERT_TRUE(l.tgt >= 0 && l.tgt < static_cast<int32_t>(p.tgt.words.size())) << p.ref();
      ASSERT_TRUE(p.src.tagged(l.src) && p.tgt.tagged(l.tgt)) << p.ref();
      ASSERT_TRUE(seen.insert({l.src, l.tgt}).second) << p.ref() << " repeats a link";
      const auto& a = p.src.strongs[l.src];
      const auto& b = p.tgt.strongs[l.tgt];
      std::vector<Strongs> common;
      std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
      ASSERT_FALSE(common.empty()) << p.ref() << " links words that share no number";
    }
    ASSERT_TRUE(std::is_sorted(p.gold.begin(), p.gold.end(), [](const auto& x, const auto& y) {
      return std::pair(x.src, x.tgt) < std::pair(y.src, y.tgt);
    })) << p.ref();
    // Every pair of words sharing a number is linked (nothing lost).
    size_t want = 0;
    for (size_t i = 0; i < p.src.words.size(); ++i)
      for (size_t j = 0; j < p.tgt.words.size(); ++j) {
        const auto& a = p.src.strongs[i];
        const auto& b = p.tgt.strongs[j];
        std::vector<Strongs> common;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
        want += !common.empty();
      }
    ASSERT_EQ(p.gold.size(), want) << p.ref();
    for (const auto& s : p.src.spans) ASSERT_TRUE(s.first_word < s.end_word && s.end_word <= (int)p.src.words.size());
    ASSERT_EQ(p.split, bible_split_of(p.book));
  }
}

TEST(BibleSplit, HeldOutBooksAreFixedDisjointAndSized) {
  std::set<std::string> dev(bible_dev_books().begin(), bible_dev_books().end());
  std::set<std::string> test(bible_test_books().begin(), bible_test_books().end());
  for (const auto& b : dev) EXPECT_FALSE(test.count(b)) << b;
  EXPECT_EQ(bible_split_of("Mark"), BibleSplit::Test);
  EXPECT_EQ(bible_split_of("Titus"), BibleSplit::Dev);
  EXPECT_EQ(bible_split_of("Gen"), BibleSplit::Train);
  std::map<BibleSplit, int> verses;
  std::map<BibleSplit, std::set<std::string>> books;
  std::map<BibleSplit, bool> has_ot, has_nt;
  for (const auto& p : corpus().verses) {
    ++verses[p.split];
    books[p.split].insert(p.book);
    (p.book == "Mark" || p.book == "Eph" || p.book == "Jas" || p.book == "Phil" || p.book == "Col" ||
             p.book == "1Thess" || p.book == "Titus" || p.book == "1Pet" || p.book == "2Pet" || p.book == "Jude"
         ? has_nt
         : has_ot)[p.split] = true;
  }
  // Every named book is a real book of the modules, wholly in its split.
  EXPECT_EQ(books[BibleSplit::Dev], dev);
  EXPECT_EQ(books[BibleSplit::Test], test);
  EXPECT_EQ(books[BibleSplit::Train].size(), 66u - dev.size() - test.size());
  EXPECT_EQ(verses[BibleSplit::Dev], 1110);
  EXPECT_EQ(verses[BibleSplit::Test], 1253);
  EXPECT_TRUE(has_ot[BibleSplit::Dev] && has_nt[BibleSplit::Dev]);
  EXPECT_TRUE(has_ot[BibleSplit::Test] && has_nt[BibleSplit::Test]);
  EXPECT_STREQ(bible_split_name(BibleSplit::Dev), "dev");
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

TEST(BibleCorpusFiles, AreAlignedConsistentAndDeterministic) {
  TempDir tmp;
  const std::string a = tmp.file("a"), b = tmp.file("b");
  const nlohmann::json stats = write_bible_corpus(a);
  write_bible_corpus(b);
  std::set<std::string> refs;
  for (const char* split : {"train", "dev", "test"}) {
    for (const char* ext : {"es", "en", "ref", "gold", "tagged"}) {
      const std::string name = std::string(split) + "." + ext;
      EXPECT_EQ(read_bytes(a + "/" + name), read_bytes(b + "/" + name)) << name << " differs between runs";
    }
    const auto es = lines_of(a + "/" + split + ".es"), en = lines_of(a + "/" + split + ".en");
    const auto ref = lines_of(a + "/" + split + ".ref"), gold = lines_of(a + "/" + split + ".gold");
    const auto tagged = lines_of(a + "/" + split + ".tagged");
    const auto& js = stats["splits"][split];
    ASSERT_EQ(static_cast<int64_t>(es.size()), js["verses"].get<int64_t>()) << split;
    ASSERT_EQ(en.size(), es.size());
    ASSERT_EQ(ref.size(), es.size());
    ASSERT_EQ(gold.size(), es.size());
    ASSERT_EQ(tagged.size(), es.size());
    int64_t sure = 0, possible = 0, src_words = 0, tgt_words = 0;
    for (size_t k = 0; k < es.size(); ++k) {
      ASSERT_TRUE(refs.insert(ref[k]).second) << ref[k] << " is in two splits or twice";
      const std::string book = ref[k].substr(0, ref[k].rfind(' '));
      ASSERT_STREQ(bible_split_name(bible_split_of(book)), split) << ref[k];
      const auto sw = split_spaces(es[k]), tw = split_spaces(en[k]);
      ASSERT_FALSE(sw.empty() || tw.empty()) << ref[k];
      src_words += static_cast<int64_t>(sw.size());
      tgt_words += static_cast<int64_t>(tw.size());
      // Tagged indices: Spanish, "|||", English.
      const auto t = split_spaces(tagged[k]);
      const auto bar = std::find(t.begin(), t.end(), "|||");
      ASSERT_NE(bar, t.end()) << ref[k];
      std::set<int> ts, tt;
      for (auto it = t.begin(); it != bar; ++it) ts.insert(std::stoi(*it));
      for (auto it = bar + 1; it != t.end(); ++it) tt.insert(std::stoi(*it));
      std::set<std::pair<int, int>> linked;
      for (const auto& link : split_spaces(gold[k])) {
        const size_t sep = link.find_first_of("-?");
        ASSERT_NE(sep, std::string::npos) << link;
        const int i = std::stoi(link.substr(0, sep)), j = std::stoi(link.substr(sep + 1));
        ASSERT_TRUE(i >= 0 && i < static_cast<int>(sw.size()) && j >= 0 && j < static_cast<int>(tw.size()))
            << ref[k] << " " << link;
        ASSERT_TRUE(ts.count(i) && tt.count(j)) << ref[k] << " " << link << " touches an untagged word";
        ASSERT_TRUE(linked.insert({i, j}).second) << ref[k] << " " << link << " both sure and possible";
        (link[sep] == '-' ? sure : possible)++;
      }
    }
    EXPECT_EQ(sure, js["links_sure"].get<int64_t>()) << split;
    EXPECT_EQ(possible, js["links_possible_only"].get<int64_t>()) << split;
    EXPECT_EQ(src_words, js["src_words"].get<int64_t>()) << split;
    EXPECT_EQ(tgt_words, js["tgt_words"].get<int64_t>()) << split;
  }
  EXPECT_EQ(static_cast<int64_t>(refs.size()), stats["kept"].get<int64_t>());
  EXPECT_EQ(stats["kept"].get<int64_t>() + stats["skipped"]["total"].get<int64_t>(),
            stats["verse_keys"].get<int64_t>());
  EXPECT_EQ(read_bytes(a + "/stats.json"), read_bytes(b + "/stats.json"));
  EXPECT_EQ(nlohmann::json::parse(read_bytes(a + "/stats.json")), stats);
  EXPECT_EQ(stats["skipped"]["by_reason"]["missing_src"]["first"][0], "Job 38:39");
}

TEST(BibleModules, MissingModulesGiveAnInstallHint) {
  TempDir tmp;
  BibleOptions opt;
  opt.sword_path = tmp.path().string();  // a SWORD library with no modules
  expect_error_containing([&] { read_bible(opt); }, "apt-get install sword-text-sparv sword-text-kjv");
  expect_error_containing([&] { read_bible(opt); }, "module spaRV1909eb not found");
  opt.sword_path = tmp.file("absent");
  expect_error_containing([&] { read_bible(opt); }, "does not exist");
  BibleOptions other;
  other.tgt_module = "noSuchModule";
  expect_error_containing([&] { read_bible(other); }, "module noSuchModule not found");
}

// Signatures for the detector: each verse a set of numbers per side.
VerseSignature sig(std::vector<int> src, std::vector<int> tgt, int32_t book = 0) {
  VerseSignature s;
  s.book = book;
  for (int n : src) s.src.push_back(static_cast<Strongs>(n));
  for (int n : tgt) s.tgt.push_back(static_cast<Strongs>(n));
  s.src_words = static_cast<int32_t>(src.size()) * 2;
  s.tgt_words = static_cast<int32_t>(tgt.size()) * 2;
  return s;
}

TEST(MisalignedVerses, AShiftedRunIsFlaggedAndAlignedVersesAreNot) {
  // Verses 0-2 and 7-9 aligned; 3-6 shifted: source k holds target k+1's verse.
  std::vector<VerseSignature> v = {
      sig({1, 2, 3}, {1, 2, 3}),    sig({4, 5, 6}, {4, 5, 6}),     sig({7, 8, 9}, {7, 8, 9}),
      sig({13, 14, 15}, {10, 11, 12}), sig({16, 17, 18}, {13, 14, 15}), sig({19, 20, 21}, {16, 17, 18}),
      sig({22, 23, 24}, {19, 20, 21}), sig({25, 26, 27}, {25, 26, 27}), sig({28, 29, 30}, {28, 29, 30}),
      sig({31, 32, 33}, {31, 32, 33})};
  std::vector<bool> want = {false, false, false, true, true, true, true, false, false, false};
  EXPECT_EQ(find_misaligned_verses(v), want);
  // The same run split across two books is not compared across the boundary.
  for (size_t k = 5; k < v.size(); ++k) v[k].book = 1;
  const auto got = find_misaligned_verses(v);
  EXPECT_TRUE(got[3] && got[4] && got[5] && got[6]);
  // An untagged side is never judged by numbers.
  std::vector<VerseSignature> u = {sig({1, 2}, {1, 2}), sig({3, 4}, {}), sig({3, 4}, {3, 4})};
  EXPECT_EQ(find_misaligned_verses(u), (std::vector<bool>{false, false, false}));
}

TEST(MisalignedVerses, MergedVersesAreFlaggedByLength) {
  // Verse 1's source holds three verses' worth of words; verse 3 is one-sided and verse 4 next to it is
  // out of proportion (it carries verse 3's text); verse 6 is long but in proportion.
  std::vector<VerseSignature> v = {sig({1}, {1}), sig({2}, {2}), sig({3}, {3}), sig({4}, {4}), sig({5}, {5}),
                                   sig({6}, {6}), sig({7}, {7})};
  for (auto& s : v) s.src_words = s.tgt_words = 10;
  v[1].src_words = 50;
  v[3].src_words = 0;
  v[4].src_words = 21;
  v[6].src_words = v[6].tgt_words = 200;
  EXPECT_EQ(find_misaligned_verses(v), (std::vector<bool>{false, true, false, false, true, false, false}));
  expect_error_containing([&] { find_misaligned_verses(v, {.window = -1}); }, "bad misalignment options");
}

}  // namespace
}  // namespace attend::data
