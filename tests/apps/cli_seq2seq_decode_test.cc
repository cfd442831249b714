// Decoding with models trained by `attend train --config` on tiny corpora, through the built binary:
// `attend translate` (one line out per line in, word alignments, Moses n-best lists, attention JSON that
// `attend viz` renders, determinism, greedy = beam 1), `attend eval --model` checked against independent
// computations (PER/WER counted here; BLEU/chrF and AER through `attend eval bleu|aer` on translate's
// output), missing or corrupt model directories, and `attend demo` on the real CMUdict.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/batch.h"
#include "data/cmudict.h"
#include "data/text_codec.h"
#include "models/encoder_decoder.h"
#include "models/search.h"
#include "nn/checkpoint.h"
#include "support/cli_runner.h"
#include "support/expect_cli_error.h"
#include "support/temp_dir.h"
#include "support/toy_corpus.h"
#include "tensor/rng.h"

namespace {

namespace fs = std::filesystem;
using attend::testing_util::CliResult;
using attend::testing_util::read_bytes;
using attend::testing_util::run_cli;
using attend::testing_util::split_lines;
using attend::testing_util::split_words;
using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;
using nlohmann::json;

// Trains a reversal "g2p" model (with dropout, which decoding must switch off) into tmp/g2p_run.
fs::path train_g2p(const TempDir& tmp, int steps = 200) {
  const fs::path data = tmp.path() / "g2p_data", run = tmp.path() / "g2p_run", cfg = tmp.path() / "g2p.json";
  attend::testing_util::write_toy_g2p(data, {.train = 300, .dev = 30, .test = 30});
  json j = attend::testing_util::toy_g2p_config(data);
  j["model"]["dropout"] = 0.1;
  j["model"]["embed"] = 16;
  j["model"]["encoder_hidden"] = 32;
  j["model"]["hidden"] = 32;
  j["train"]["max_steps"] = steps;
  j["train"]["max_tokens"] = 300;
  j["train"]["valid_every"] = 50;
  j["train"]["checkpoint_every"] = steps;
  j["train"]["log_every"] = 50;
  attend::testing_util::write_json_file(cfg, j);
  const CliResult r = run_cli("train --quiet --config " + cfg.string() + " --out " + run.string());
  EXPECT_EQ(r.exit_code, 0) << r.all();
  return run;
}

// Trains a word-level es->en model on the toy translation corpus into tmp/mt_run.
fs::path train_translation(const TempDir& tmp, int steps = 300) {
  const fs::path data = tmp.path() / "mt_data", run = tmp.path() / "mt_run", cfg = tmp.path() / "mt.json";
  attend::testing_util::write_toy_translation(data, {.train = 300, .dev = 20, .test = 40});
  json j = attend::testing_util::toy_translation_config(data);
  j["model"]["embed"] = 16;
  j["model"]["encoder_hidden"] = 32;
  j["model"]["hidden"] = 32;
  j["train"]["max_steps"] = steps;
  j["train"]["max_tokens"] = 400;
  j["train"]["valid_every"] = 100;
  j["train"]["checkpoint_every"] = steps;
  j["train"]["log_every"] = 50;
  attend::testing_util::write_json_file(cfg, j);
  const CliResult r = run_cli("train --quiet --config " + cfg.string() + " --out " + run.string());
  EXPECT_EQ(r.exit_code, 0) << r.all();
  return run;
}

CliResult translate(const fs::path& run, const std::string& input_file, const std::string& more = "") {
  return run_cli("translate --model " + run.string() + " " + more, input_file);
}

std::string write_input(const TempDir& tmp, const std::string& name, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  write_bytes(tmp.file(name), text);
  return tmp.file(name);
}

// "text ||| 0-1 2-0" -> text and links; fails the test on a malformed line.
struct AlignedLine {
  std::string text;
  std::vector<std::pair<int, int>> links;
};
AlignedLine parse_aligned(const std::string& line) {
  AlignedLine a;
  const size_t bar = line.rfind(" ||| ");
  EXPECT_NE(bar, std::string::npos) << "no ' ||| ' in: " << line;
  if (bar == std::string::npos) return a;
  a.text = line.substr(0, bar);
  for (const std::string& link : split_words(line.substr(bar + 5))) {
    const size_t dash = link.find('-');
    EXPECT_NE(dash, std::string::npos) << link;
    if (dash == std::string::npos) continue;
    a.links.emplace_back(std::stoi(link.substr(0, dash)), std::stoi(link.substr(dash + 1)));
  }
  return a;
}

// ---- translate -------------------------------------------------------------------------------------------

TEST(CliSeq2SeqTranslate, OneOutputLinePerInputLine) {
  TempDir tmp;
  const fs::path g2p = train_g2p(tmp, 50), mt = train_translation(tmp, 50);
  // Empty and blank lines, characters and words never seen in training, invalid UTF-8.
  const std::vector<std::string> g2p_in = {"abc", "", "   ", "xyz!", "\xc3\xa9\xc3\xa9", "a", "ab\xff", "hgfe", ""};
  CliResult r = translate(g2p, write_input(tmp, "g2p.in", g2p_in), "--beam 2");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  std::vector<std::string> out = split_lines(r.out);
  ASSERT_EQ(out.size(), g2p_in.size()) << r.out;
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(out[1], "");
  EXPECT_EQ(out[2], "");  // a char codec drops whitespace: nothing to translate
  EXPECT_EQ(out[8], "");
  EXPECT_NE(out[0], "");

  const std::vector<std::string> mt_in = {"el gato come el pan", "", "el zorro come", "el", "el perro grande ve el agua"};
  r = translate(mt, write_input(tmp, "mt.in", mt_in), "--beam 3");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  out = split_lines(r.out);
  ASSERT_EQ(out.size(), mt_in.size()) << r.out;
  EXPECT_EQ(out[1], "");

  // More lines than one chunk: still one line per line, in order (each line alone gives the same output).
  std::vector<std::string> many;
  for (size_t i = 0; i < 27; ++i) many.push_back(mt_in[i % mt_in.size()]);
  r = translate(mt, write_input(tmp, "many.in", many), "--beam 3 --chunk 4");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  out = split_lines(r.out);
  ASSERT_EQ(out.size(), many.size());
  const std::vector<std::string> first = split_lines(translate(mt, tmp.file("mt.in"), "--beam 3").out);
  for (size_t i = 0; i < many.size(); ++i) EXPECT_EQ(out[i], first[i % mt_in.size()]) << "line " << i;
}

TEST(CliSeq2SeqTranslate, IsDeterministicForAModelTrainedWithDropout) {
  // The same line six times in one batch, and alone: dropout is off at inference, so all are equal.
  TempDir tmp;
  const fs::path g2p = train_g2p(tmp, 50);
  const std::vector<std::string> same(6, "abcde");
  for (const char* beam : {"--beam 1", "--beam 4"}) {
    const CliResult r = translate(g2p, write_input(tmp, "same.in", same), beam);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    const std::vector<std::string> out = split_lines(r.out);
    ASSERT_EQ(out.size(), same.size());
    for (const auto& o : out) EXPECT_EQ(o, out[0]) << beam;
    const CliResult alone = translate(g2p, write_input(tmp, "one.in", {"abcde"}), beam);
    EXPECT_EQ(split_lines(alone.out), std::vector<std::string>{out[0]}) << beam;
  }
}

TEST(CliSeq2SeqTranslate, AlignmentsStayInsideTheSentences) {
  TempDir tmp;
  const fs::path mt = train_translation(tmp), g2p = train_g2p(tmp, 50);
  const std::string mt_file = (tmp.path() / "mt_data" / "test.es").string();
  const std::vector<std::string> src = split_lines(read_bytes(mt_file));
  const CliResult plain = translate(mt, mt_file, "--beam 3");
  const CliResult r = translate(mt, mt_file, "--beam 3 --alignment");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::vector<std::string> out = split_lines(r.out), plain_out = split_lines(plain.out);
  ASSERT_EQ(out.size(), src.size());
  ASSERT_EQ(plain_out.size(), src.size());
  size_t links = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const AlignedLine a = parse_aligned(out[i]);
    EXPECT_EQ(a.text, plain_out[i]) << "--alignment changed the translation of line " << i;
    const int src_words = static_cast<int>(split_words(src[i]).size());
    const int out_words = static_cast<int>(split_words(a.text).size());
    EXPECT_TRUE(std::is_sorted(a.links.begin(), a.links.end())) << out[i];
    std::vector<bool> covered(static_cast<size_t>(out_words), false);
    for (auto [s, t] : a.links) {
      EXPECT_TRUE(s >= 0 && s < src_words) << "line " << i << ": " << out[i];
      EXPECT_TRUE(t >= 0 && t < out_words) << "line " << i << ": " << out[i];
      if (t >= 0 && t < out_words) covered[static_cast<size_t>(t)] = true;
    }
    // Each output word is linked to the source word it attends to most.
    for (int t = 0; t < out_words; ++t) EXPECT_TRUE(covered[static_cast<size_t>(t)]) << "line " << i << ": " << out[i];
    links += a.links.size();
  }
  EXPECT_GT(links, src.size());

  // A character-level source is one word: every link starts at 0; an empty line has no links.
  const CliResult g = translate(g2p, write_input(tmp, "g.in", {"abcd", "", "hg"}), "--beam 1 --alignment");
  ASSERT_EQ(g.exit_code, 0) << g.all();
  const std::vector<std::string> gout = split_lines(g.out);
  ASSERT_EQ(gout.size(), 3u);
  EXPECT_EQ(gout[1], " ||| ");
  for (const std::string& line : {gout[0], gout[2]}) {
    const AlignedLine a = parse_aligned(line);
    for (auto [s, t] : a.links) {
      EXPECT_EQ(s, 0) << line;
      EXPECT_LT(t, static_cast<int>(split_words(a.text).size())) << line;
    }
  }
}

TEST(CliSeq2SeqTranslate, NbestListsAreMosesFormatted) {
  TempDir tmp;
  const fs::path mt = train_translation(tmp, 100);
  const std::vector<std::string> in = {"el gato come el pan", "el perro viejo tiene", "el libro ve el agua roja"};
  const std::string file = write_input(tmp, "nb.in", in);
  const CliResult r = translate(mt, file, "--beam 3 --nbest 3");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::vector<std::string> out = split_lines(r.out);
  ASSERT_EQ(out.size(), 3 * in.size()) << r.out;
  const std::vector<std::string> best = split_lines(translate(mt, file, "--beam 3").out);
  ASSERT_EQ(best.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    double previous = 0;
    std::vector<std::string> texts;
    for (size_t k = 0; k < 3; ++k) {
      const std::string& line = out[3 * i + k];
      const size_t a = line.find(" ||| "), b = line.rfind(" ||| ");
      ASSERT_TRUE(a != std::string::npos && b > a) << line;
      EXPECT_EQ(line.substr(0, a), std::to_string(i)) << line;
      const std::string text = line.substr(a + 5, b - a - 5);
      const double score = std::stod(line.substr(b + 5));
      EXPECT_LE(score, 0.0) << line;  // a normalised log-probability
      if (k > 0) {
        EXPECT_LE(score, previous) << "scores must not increase: " << line;
      }
      previous = score;
      texts.push_back(text);
    }
    EXPECT_EQ(texts[0], best[i]) << "the first of the n-best list is the beam's translation";
    std::sort(texts.begin(), texts.end());
    EXPECT_TRUE(std::adjacent_find(texts.begin(), texts.end()) == texts.end()) << "repeated hypotheses for line " << i;
  }
  // n-best with alignments: one more field of links.
  const CliResult ra = translate(mt, file, "--beam 3 --nbest 2 --alignment");
  ASSERT_EQ(ra.exit_code, 0) << ra.all();
  const std::vector<std::string> aout = split_lines(ra.out);
  ASSERT_EQ(aout.size(), 2 * in.size());
  for (const std::string& line : aout) {
    int bars = 0;
    for (size_t p = line.find(" ||| "); p != std::string::npos; p = line.find(" ||| ", p + 1)) ++bars;
    EXPECT_EQ(bars, 3) << line;
  }
}

// The model directory loaded with the library alone: config.json's model section, the codecs, best/.
struct LibraryModel {
  attend::data::TextCodec src, tgt;
  std::unique_ptr<attend::models::EncoderDecoder> model;
};
LibraryModel load_with_library(const fs::path& run) {
  LibraryModel m;
  const json c = json::parse(read_bytes((run / "config.json").string()));
  attend::Rng rng(1);
  m.model = std::make_unique<attend::models::EncoderDecoder>(
      attend::models::EncoderDecoderConfig::from_json(c["model"]), rng);
  attend::nn::load_checkpoint((run / "best").string(), *m.model, nullptr);
  m.model->eval();
  m.src = attend::data::TextCodec::load(run.string(), "src");
  m.tgt = attend::data::TextCodec::load(run.string(), "tgt");
  return m;
}

TEST(CliSeq2SeqTranslate, GreedyEqualsBeamOfOne) {
  // The CLI sends --beam 1 to greedy search; beam search of width 1 over the same trained model (with and
  // without length normalisation) must find the same outputs, which are what the CLI printed.
  TempDir tmp;
  const fs::path mt = train_translation(tmp, 150);
  const std::string file = (tmp.path() / "mt_data" / "test.es").string();
  const std::vector<std::string> src = split_lines(read_bytes(file));
  const CliResult r = translate(mt, file, "--beam 1");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::vector<std::string> cli = split_lines(r.out);
  ASSERT_EQ(cli.size(), src.size());
  EXPECT_EQ(split_lines(translate(mt, file, "--beam 1 --nbest 1").out), cli);

  LibraryModel m = load_with_library(mt);
  std::vector<attend::data::Example> examples;
  std::vector<int64_t> positions;
  for (size_t i = 0; i < src.size(); ++i) {
    attend::data::Example e;
    e.src = m.src.encode(src[i]);
    e.index = static_cast<int64_t>(i);
    examples.push_back(e);
    positions.push_back(static_cast<int64_t>(i));
  }
  const attend::data::SeqBatch batch = attend::data::make_seq_batch(examples, positions);
  for (double alpha : {0.0, 1.0}) {
    attend::models::SearchOptions o;
    o.length_penalty = alpha;
    o.beam = 1;
    o.nbest = 1;
    const auto greedy = attend::models::greedy_search(*m.model, batch.src, batch.src_mask, o);
    const auto beam = attend::models::beam_search(*m.model, batch.src, batch.src_mask, o);
    ASSERT_EQ(greedy.size(), src.size());
    ASSERT_EQ(beam.size(), src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      ASSERT_EQ(beam[i].size(), 1u);
      EXPECT_EQ(greedy[i].tokens, beam[i][0].tokens) << "alpha " << alpha << " line " << i;
      EXPECT_EQ(m.tgt.decode(greedy[i].tokens), cli[i]) << "line " << i;
    }
  }
}

TEST(CliSeq2SeqTranslate, AttentionJsonRendersWithViz) {
  TempDir tmp;
  const fs::path g2p = train_g2p(tmp, 50);
  const std::vector<std::string> in = {"abcd", "", "hgf", "ab\xff"};
  const CliResult r = translate(g2p, write_input(tmp, "att.in", in), "--beam 2 --attention-json " + tmp.file("att.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::vector<std::string> out = split_lines(r.out);
  ASSERT_EQ(out.size(), in.size());
  const std::vector<std::string> views = split_lines(read_bytes(tmp.file("att.jsonl")));
  // One view per non-empty translation, in input order.
  std::vector<size_t> translated;
  for (size_t i = 0; i < out.size(); ++i)
    if (!out[i].empty()) translated.push_back(i);
  ASSERT_EQ(views.size(), translated.size());
  for (size_t v = 0; v < views.size(); ++v) {
    const json j = json::parse(views[v], nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << views[v];
    const size_t line = translated[v];
    EXPECT_EQ(j["line"], line + 1) << "the record names its input line";
    EXPECT_EQ(j["out"].get<std::vector<std::string>>(), split_words(out[line]));
    if (line < 3) {
      EXPECT_EQ(j["src"].size(), in[line].size()) << views[v];  // one token per (ASCII) character
    }
    ASSERT_EQ(j["weights"].size(), j["out"].size());
    for (const json& row : j["weights"]) {
      ASSERT_EQ(row.size(), j["src"].size());
      double sum = 0;
      for (const json& w : row) sum += w.get<double>();
      EXPECT_NEAR(sum, 1.0, 1e-4) << "attention rows are distributions";
    }
  }
  for (const char* ext : {".png", ".svg"}) {
    const std::string image = tmp.file(std::string("att") + ext);
    const CliResult v = run_cli("viz --attention " + tmp.file("att.jsonl") + " --index 1 --out " + image);
    ASSERT_EQ(v.exit_code, 0) << v.all();
    const std::string bytes = read_bytes(image);
    if (std::string(ext) == ".png")
      EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    else
      EXPECT_NE(bytes.find("<svg"), std::string::npos);
  }
}

// ---- eval --model -----------------------------------------------------------------------------------------

// G2P scores counted here: WER = % words whose hypothesis is none of their pronunciations; PER = edit
// distance to the closest pronunciation (ties: the shortest) over those pronunciations' lengths.
size_t edit_distance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

TEST(CliSeq2SeqEval, G2pScoresMatchACountOfTranslateOutput) {
  TempDir tmp;
  const fs::path run = train_g2p(tmp, 100), data = tmp.path() / "g2p_data";
  // Give two test words a second admissible pronunciation (their letters in order) on a later line.
  std::vector<std::string> src = split_lines(read_bytes((data / "test.src").string()));
  std::vector<std::string> tgt = split_lines(read_bytes((data / "test.tgt").string()));
  for (size_t k : {size_t{3}, size_t{7}}) {
    src.push_back(src[k]);
    tgt.push_back(attend::testing_util::toy_g2p_target(src[k], false));
  }
  write_input(tmp, "g2p_data/test.src", src);
  write_input(tmp, "g2p_data/test.tgt", tgt);

  const CliResult e = run_cli("eval --model " + run.string() + " --split test --beam 3 --json");
  ASSERT_EQ(e.exit_code, 0) << e.all();
  ASSERT_EQ(split_lines(e.out).size(), 1u) << e.out;
  const json j = json::parse(e.out);

  std::map<std::string, std::vector<std::vector<std::string>>> refs;
  std::vector<std::string> words;
  for (size_t i = 0; i < src.size(); ++i) {
    if (!refs.count(src[i])) words.push_back(src[i]);
    refs[src[i]].push_back(split_words(tgt[i]));
  }
  const CliResult t = translate(run, write_input(tmp, "words.in", words), "--beam 3");
  ASSERT_EQ(t.exit_code, 0) << t.all();
  const std::vector<std::string> hyps = split_lines(t.out);
  ASSERT_EQ(hyps.size(), words.size());
  size_t word_errors = 0, phoneme_errors = 0, ref_phonemes = 0;
  for (size_t w = 0; w < words.size(); ++w) {
    const std::vector<std::string> h = split_words(hyps[w]);
    size_t best = SIZE_MAX, best_len = 0;
    bool exact = false;
    for (const auto& r : refs[words[w]]) {
      const size_t d = edit_distance(h, r);
      exact = exact || d == 0;
      if (d < best || (d == best && r.size() < best_len)) {
        best = d;
        best_len = r.size();
      }
    }
    word_errors += exact ? 0 : 1;
    phoneme_errors += best;
    ref_phonemes += best_len;
  }
  EXPECT_EQ(j["words"], words.size());
  EXPECT_EQ(j["word_errors"], word_errors);
  EXPECT_EQ(j["phoneme_errors"], phoneme_errors);
  EXPECT_EQ(j["ref_phonemes"], ref_phonemes);
  EXPECT_NEAR(j["wer"].get<double>(), 100.0 * static_cast<double>(word_errors) / static_cast<double>(words.size()), 1e-9);
  EXPECT_NEAR(j["per"].get<double>(), 100.0 * static_cast<double>(phoneme_errors) / static_cast<double>(ref_phonemes),
              1e-9);
  EXPECT_GT(word_errors, 0u);  // a half-trained model: the comparison is not between two zeros
  EXPECT_LT(word_errors, words.size());
  const CliResult c = run_cli("eval --model " + run.string() + " --split test --beam 3 --json --confidence");
  ASSERT_EQ(c.exit_code, 0) << c.all();
  const json conf = json::parse(c.out).at("confidence");
  EXPECT_DOUBLE_EQ(conf.at("wer").at("score").get<double>(), j["wer"].get<double>());
  EXPECT_DOUBLE_EQ(conf.at("per").at("score").get<double>(), j["per"].get<double>());
  EXPECT_GT(conf.at("wer").at("ci").get<double>(), 0.0);
  EXPECT_LT(conf.at("wer").at("ci").get<double>(), 50.0);
}

TEST(CliSeq2SeqEval, TranslationScoresMatchEvalBleuAndAer) {
  TempDir tmp;
  const fs::path run = train_translation(tmp), data = tmp.path() / "mt_data";
  const CliResult e = run_cli("eval --model " + run.string() + " --split test --beam 2 --json");
  ASSERT_EQ(e.exit_code, 0) << e.all();
  ASSERT_EQ(split_lines(e.out).size(), 1u) << e.out;
  const json j = json::parse(e.out);
  for (const char* k : {"bleu", "chrf", "bleu_by_length", "aer"}) EXPECT_TRUE(j.contains(k)) << k << ": " << e.out;
  EXPECT_EQ(j["sentences"], 40);
  ASSERT_TRUE(j["bleu_by_length"].is_array());
  int64_t bucketed = 0;
  for (const json& b : j["bleu_by_length"]) bucketed += b["sentences"].get<int64_t>();
  EXPECT_EQ(bucketed, 40);

  // BLEU and chrF of translate's output with the same beam, scored by attend eval bleu.
  const CliResult t = translate(run, (data / "test.es").string(), "--beam 2 --alignment");
  ASSERT_EQ(t.exit_code, 0) << t.all();
  std::vector<std::string> hyps, links;
  for (const std::string& line : split_lines(t.out)) {
    const AlignedLine a = parse_aligned(line);
    hyps.push_back(a.text);
    std::string l;
    for (auto [s, o] : a.links) l += (l.empty() ? "" : " ") + std::to_string(s) + "-" + std::to_string(o);
    links.push_back(l);
  }
  ASSERT_EQ(hyps.size(), 40u);
  const CliResult b = run_cli("eval bleu --json --hyp " + write_input(tmp, "hyp.en", hyps) + " --ref " +
                              (data / "test.en").string());
  ASSERT_EQ(b.exit_code, 0) << b.all();
  const json bj = json::parse(b.out);
  EXPECT_GT(j["bleu"].get<double>(), 5.0) << "a trained model: the comparison is not between two zeros";
  EXPECT_NEAR(j["bleu"].get<double>(), bj["bleu"].get<double>(), 1e-9);
  EXPECT_NEAR(j["chrf"].get<double>(), bj["chrf"].get<double>(), 1e-9);
  // --confidence: the same sentences' statistics and the same draws as eval bleu --confidence on the output.
  const CliResult ec = run_cli("eval --model " + run.string() + " --split test --beam 2 --json --confidence");
  const CliResult bc = run_cli("eval bleu --json --confidence --hyp " + (tmp.path() / "hyp.en").string() + " --ref " +
                               (data / "test.en").string());
  ASSERT_EQ(ec.exit_code, 0) << ec.all();
  ASSERT_EQ(bc.exit_code, 0) << bc.all();
  const json jc = json::parse(ec.out).at("confidence"), bjc = json::parse(bc.out).at("confidence");
  EXPECT_EQ(jc.at("samples"), 1000);
  for (const char* metric : {"bleu", "chrf"})
    for (const char* field : {"score", "mean", "ci"})
      EXPECT_NEAR(jc.at(metric).at(field).get<double>(), bjc.at(metric).at(field).get<double>(), 1e-9)
          << metric << " " << field;
  if (j["chrf"].get<double>() < 100.0) {  // draws that differ
    EXPECT_GT(jc.at("chrf").at("ci").get<double>(), 0.0);
  }

  // AER: eval aligns the references by teacher forcing (the gold indexes reference words); the links it wrote
  // (--alignment-out), scored by attend eval aer with and without the tagged-word filter, give its numbers.
  const std::string hyp_links = (tmp.path() / "forced.align").string();
  const CliResult f = run_cli("eval --model " + run.string() + " --split test --beam 2 --json --alignment-out " + hyp_links);
  ASSERT_EQ(f.exit_code, 0) << f.all();
  EXPECT_EQ(json::parse(f.out)["aer"], j["aer"]);
  const CliResult a = run_cli("eval aer --json --hyp " + hyp_links + " --gold " + (data / "test.gold").string() +
                              " --tagged " + (data / "test.tagged").string());
  ASSERT_EQ(a.exit_code, 0) << a.all();
  const json aj = json::parse(a.out);
  EXPECT_NEAR(j["aer"].get<double>(), aj["aer"].get<double>(), 1e-9);
  EXPECT_GT(aj["hyp_links"].get<int64_t>(), 0);
  const CliResult all = run_cli("eval aer --json --hyp " + hyp_links + " --gold " + (data / "test.gold").string());
  ASSERT_EQ(all.exit_code, 0) << all.all();
  EXPECT_NEAR(j["aer_all_links"].get<double>(), json::parse(all.out)["aer"].get<double>(), 1e-9);
  // --alignment-reading picks which links are written: each is the one eval scored under that name.
  for (const char* reading : {"source_argmax", "intersection", "union"}) {
    const std::string links = (tmp.path() / (std::string(reading) + ".align")).string();
    const CliResult r = run_cli("eval --model " + run.string() + " --split test --beam 2 --json --alignment-out " +
                                links + " --alignment-reading " + reading);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    const CliResult ra = run_cli("eval aer --json --hyp " + links + " --gold " + (data / "test.gold").string() +
                                 " --tagged " + (data / "test.tagged").string());
    ASSERT_EQ(ra.exit_code, 0) << ra.all();
    EXPECT_NEAR(json::parse(r.out)["alignment"][reading]["aer"].get<double>(), json::parse(ra.out)["aer"].get<double>(),
                1e-9)
        << reading;
  }
  const CliResult bad = run_cli("eval --model " + run.string() + " --split test --alignment-out " + hyp_links +
                                " --alignment-reading diagonal");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_LT(bad.exit_code, 128);

  // Without gold links beside the data there is no AER.
  fs::rename(data / "test.gold", data / "test.gold.away");
  const CliResult n = run_cli("eval --model " + run.string() + " --split test --beam 2 --json");
  ASSERT_EQ(n.exit_code, 0) << n.all();
  const json nj = json::parse(n.out);
  EXPECT_FALSE(nj.contains("aer")) << n.out;
  EXPECT_EQ(nj["bleu"], j["bleu"]);
}

TEST(CliSeq2SeqEval, ValidationDuringTrainingEqualsEvalOfTheBestWeights) {
  // The trainer's last improving validation (greedy, whole dev split) and eval --model on best/ decode the
  // same weights the same way: the numbers must agree (dropout is off in both).
  TempDir tmp;
  const fs::path run = train_g2p(tmp, 100);
  const json best = json::parse(read_bytes((run / "best/state.json").string()))["extra"]["dev"];
  const CliResult e = run_cli("eval --model " + run.string() + " --split dev --beam 1 --json");
  ASSERT_EQ(e.exit_code, 0) << e.all();
  const json j = json::parse(e.out);
  for (const char* k : {"wer", "per", "word_errors", "phoneme_errors"}) EXPECT_EQ(j[k], best[k]) << k;
}

// ---- broken model directories ---------------------------------------------------------------------------

void expect_one_line_error(const std::string& args, const std::string& stdin_path, const std::string& needle) {
  SCOPED_TRACE(args);
  attend::testing_util::expect_one_line_error(run_cli(args, stdin_path), needle);
}

TEST(CliSeq2SeqModelDir, MissingOrCorruptGivesOneLine) {
  TempDir tmp;
  const fs::path good = train_g2p(tmp, 10);
  const std::string in = write_input(tmp, "in.txt", {"abc"});
  auto broken = [&](const std::string& name, const std::function<void(const fs::path&)>& damage) {
    const fs::path dir = tmp.path() / name;
    fs::copy(good, dir, fs::copy_options::recursive);
    damage(dir);
    return dir.string();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/nonexistent/attend_model", "/nonexistent/attend_model"},
      {broken("no_config", [](const fs::path& d) { fs::remove(d / "config.json"); }), "config.json"},
      {broken("bad_config", [](const fs::path& d) { write_bytes((d / "config.json").string(), "{\"task\": "); }),
       "config.json"},
      {broken("truncated_weights",
              [](const fs::path& d) {
                const fs::path w = d / "best/model.safetensors";
                fs::resize_file(w, fs::file_size(w) / 2);
              }),
       "model.safetensors"},
      {broken("no_best", [](const fs::path& d) { fs::remove_all(d / "best"); }), "best"},
      {broken("no_vocab", [](const fs::path& d) { fs::remove(d / "tgt.vocab"); }), "tgt.vocab"},
      {broken("other_vocab",
              [](const fs::path& d) {
                write_bytes((d / "tgt.vocab").string(), read_bytes((d / "tgt.vocab").string()) + "EXTRA\n");
              }),
       "vocab"},
      {broken("codec_kind",
              [](const fs::path& d) {
                std::string meta = read_bytes((d / "src.codec.json").string());
                ASSERT_NE(meta.find("\"char\""), std::string::npos);
                meta.replace(meta.find("\"char\""), 6, "\"word\"");
                write_bytes((d / "src.codec.json").string(), meta);
              }),
       "src.codec.json cuts text into word tokens but config.json's data.src_tokens says char"},
  };
  for (const auto& [dir, needle] : cases) {
    expect_one_line_error("translate --model " + dir, in, needle);
    expect_one_line_error("eval --model " + dir + " --split test --json", "", needle);
  }
  // The good directory still works, and bad options are one line too.
  EXPECT_EQ(translate(good, in, "--beam 2").exit_code, 0);
  expect_one_line_error("translate --model " + good.string() + " --beam 2 --nbest 3", in, "nbest");
  expect_one_line_error("translate --model " + good.string() + " --attention-json /nonexistent/dir/a.jsonl", in,
                        "/nonexistent/dir/a.jsonl");
  // eval needs the split's files beside the data the model was trained on.
  const fs::path data = tmp.path() / "g2p_data";
  fs::rename(data / "test.tgt", data / "test.tgt.away");
  expect_one_line_error("eval --model " + good.string() + " --split test --json", "", "test.tgt");
}

// ---- attend demo ----------------------------------------------------------------------------------------

TEST(CliSeq2SeqDemo, PrintsScoresAndWritesHeatmaps) {
  if (!fs::exists(attend::data::kFestlexCmuPath))
    GTEST_SKIP() << "festlex-cmu is not installed (" << attend::data::kFestlexCmuPath << ")";
  TempDir tmp;
  const fs::path out = tmp.path() / "demo";
  // Enough steps that the (cosine-annealed) model outputs phonemes for the sample words, so a heatmap is written
  // (after 5 it output nothing; 8 were enough on an AVX2 CPU).
  const CliResult r = run_cli("demo --steps 20 --train-words 300 --test-words 50 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const size_t at = r.out.find("PER ");
  ASSERT_NE(at, std::string::npos) << r.out;
  double per = -1, wer = -1;
  ASSERT_EQ(std::sscanf(r.out.c_str() + at, "PER %lf%%  WER %lf%%", &per, &wer), 2) << r.out.substr(at);
  const std::string png = read_bytes((out / "heatmap.png").string());
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_NE(read_bytes((out / "heatmap.svg").string()).find("<svg"), std::string::npos);

  // The printed scores are those of the hypotheses it wrote, against the test pronunciations.
  std::map<std::string, std::vector<std::vector<std::string>>> refs;
  const std::vector<std::string> src = split_lines(read_bytes((out / "cmudict/test.src").string()));
  const std::vector<std::string> tgt = split_lines(read_bytes((out / "cmudict/test.nostress.tgt").string()));
  ASSERT_EQ(src.size(), tgt.size());
  for (size_t i = 0; i < src.size(); ++i) refs[src[i]].push_back(split_words(tgt[i]));
  const std::vector<std::string> hyps = split_lines(read_bytes((out / "test_hypotheses.tsv").string()));
  ASSERT_EQ(hyps.size(), 50u);
  size_t word_errors = 0, phoneme_errors = 0, ref_phonemes = 0;
  for (const std::string& line : hyps) {
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const auto it = refs.find(line.substr(0, tab));
    ASSERT_NE(it, refs.end()) << line;
    const std::vector<std::string> h = split_words(line.substr(tab + 1));
    size_t best = SIZE_MAX, best_len = 0;
    for (const auto& ref : it->second) {
      const size_t d = edit_distance(h, ref);
      if (d < best || (d == best && ref.size() < best_len)) {
        best = d;
        best_len = ref.size();
      }
    }
    word_errors += best == 0 ? 0 : 1;
    phoneme_errors += best;
    ref_phonemes += best_len;
  }
  EXPECT_NEAR(per, 100.0 * static_cast<double>(phoneme_errors) / static_cast<double>(ref_phonemes), 0.006);
  EXPECT_NEAR(wer, 100.0 * static_cast<double>(word_errors) / static_cast<double>(hyps.size()), 0.006);
}

}  // namespace

// Guided alignment (train.guided_alignment, gold links of train.gold): the guide loss is logged and falls, and
// the trained attention agrees with the test gold much better than the same model trained without it. The
// English lines start with an unlinked "so", so the gold is not its own transpose (the reverse run below).
TEST(CliSeq2SeqTrain, GuidedAlignmentLowersAer) {
  TempDir tmp;
  const fs::path data = tmp.path() / "mt_data";
  attend::testing_util::write_toy_translation(data, {.train = 300, .dev = 20, .test = 40, .english_lead_word = true});
  auto aer_after = [&](double weight, const std::string& name, bool head = false, bool reverse = false) {
    json j = attend::testing_util::toy_translation_config(data);
    j["model"]["alignment_head"] = head;
    if (reverse) {  // en -> es: the gold (es word first) is read transposed
      j["data"]["src"] = "en";
      j["data"]["tgt"] = "es";
      j["data"]["gold_src"] = "es";
    }
    j["model"]["embed"] = 16;
    j["model"]["encoder_hidden"] = 32;
    j["model"]["hidden"] = 32;
    j["train"]["max_steps"] = 200;
    j["train"]["max_tokens"] = 400;
    j["train"]["valid_every"] = 200;
    j["train"]["checkpoint_every"] = 200;
    j["train"]["log_every"] = 50;
    j["train"]["guided_alignment"] = weight;
    const fs::path cfg = tmp.path() / (name + ".json"), run = tmp.path() / name;
    attend::testing_util::write_json_file(cfg, j);
    const CliResult r = run_cli("train --quiet --config " + cfg.string() + " --out " + run.string());
    EXPECT_EQ(r.exit_code, 0) << r.all();
    std::vector<double> guide;
    for (const std::string& line : split_lines(read_bytes((run / "metrics.jsonl").string()))) {
      const json m = json::parse(line);
      if (m.contains("guide_loss")) guide.push_back(m["guide_loss"].get<double>());
    }
    if (weight > 0) {
      EXPECT_EQ(guide.size(), 4u);
      if (!guide.empty()) {
        EXPECT_LT(guide.back(), 0.5 * guide.front()) << "the guide loss did not fall";
      }
    } else {
      EXPECT_TRUE(guide.empty());
    }
    const CliResult e = run_cli("eval --model " + run.string() + " --split test --beam 1 --json --alignment-out " +
                                (tmp.path() / (name + ".align")).string());
    EXPECT_EQ(e.exit_code, 0) << e.all();
    const json ej = json::parse(e.out);
    // A head model also reports its decoder's own attention; the head is what "aer" scores.
    EXPECT_EQ(ej["alignment"].contains("decoder_target_argmax"), head);
    return ej["aer"].get<double>();
  };
  const double plain = aer_after(0.0, "plain"), guided = aer_after(1.0, "guided");
  RecordProperty("aer_plain", std::to_string(plain));
  RecordProperty("aer_guided", std::to_string(guided));
  EXPECT_LT(guided, 0.5 * plain) << "plain " << plain << ", guided " << guided;
  EXPECT_LT(guided, 0.15);

  // The same guide on a dedicated alignment head (model.alignment_head): eval reads the head, and so does
  // translate --alignment, whose links then come from a teacher-forced pass over the output.
  const double head = aer_after(1.0, "head", true);
  RecordProperty("aer_head", std::to_string(head));
  EXPECT_LT(head, 0.15);
  const std::string test_src = (data / "test.es").string();
  const CliResult t = run_cli("translate --model " + (tmp.path() / "head").string() + " --beam 2 --alignment", test_src);
  ASSERT_EQ(t.exit_code, 0) << t.all();
  const std::vector<std::string> src = split_lines(read_bytes(test_src)), out = split_lines(t.out);
  ASSERT_EQ(out.size(), src.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const AlignedLine a = parse_aligned(out[i]);
    const int out_words = static_cast<int>(split_words(a.text).size());
    std::vector<bool> covered(static_cast<size_t>(out_words), false);
    for (auto [s, w] : a.links) {
      EXPECT_TRUE(s >= 0 && s < static_cast<int>(split_words(src[i]).size())) << out[i];
      if (w >= 0 && w < out_words) covered[static_cast<size_t>(w)] = true;
    }
    for (int w = 0; w < out_words; ++w) EXPECT_TRUE(covered[static_cast<size_t>(w)]) << "line " << i << ": " << out[i];
  }
  // The other direction (en -> es, data.gold_src "es"): trained on the transposed guide it aligns as well, its
  // --alignment-out is in the gold's orientation, and eval aer --other symmetrises the two directions: the
  // intersection is at least as precise as either, the union recalls at least as much.
  const double rev = aer_after(1.0, "reverse", false, true);
  EXPECT_LT(rev, 0.15);
  const CliResult sym = run_cli("eval aer --json --hyp " + (tmp.path() / "guided.align").string() + " --other " +
                                (tmp.path() / "reverse.align").string() + " --gold " + (data / "test.gold").string() +
                                " --tagged " + (data / "test.tagged").string());
  ASSERT_EQ(sym.exit_code, 0) << sym.all();
  const json sj = json::parse(sym.out);
  EXPECT_NEAR(sj["hyp"]["aer"].get<double>(), guided, 1e-12) << "eval aer scores the file as eval scored the model";
  EXPECT_NEAR(sj["other"]["aer"].get<double>(), rev, 1e-12);
  for (const char* one : {"hyp", "other"}) {
    EXPECT_GE(sj["intersection"]["precision"].get<double>(), sj[one]["precision"].get<double>());
    EXPECT_GE(sj["union"]["recall"].get<double>(), sj[one]["recall"].get<double>());
  }
  EXPECT_LT(sj["other"]["aer"].get<double>(), 0.15) << "the reverse model's links were not written es word first";
  EXPECT_LT(sj["gdfa"]["aer"].get<double>(), 0.15);

  // The head learns only from links: a config with the head and no guide is refused.
  json bad = attend::testing_util::toy_translation_config(data);
  bad["model"]["alignment_head"] = true;
  attend::testing_util::write_json_file(tmp.path() / "bad.json", bad);
  const CliResult refused = run_cli("train --quiet --config " + (tmp.path() / "bad.json").string() + " --out " +
                                    (tmp.path() / "bad_run").string());
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.all().find("guided_alignment"), std::string::npos) << refused.all();
}
