// `attend eval per|bleu --baseline`: keyed G2P files (a word's several pronunciations, hypotheses in any
// order), the paired tests' JSON and text output against hand-worked counts, and bad input — one line each.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.h"
#include "support/expect_cli_error.h"
#include "support/temp_dir.h"

namespace {

using attend::testing_util::CliResult;
using attend::testing_util::expect_one_line_error;
using attend::testing_util::run_cli;
using attend::testing_util::split_lines;
using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;

nlohmann::json parse_json(const CliResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(split_lines(r.out).size(), 1u) << r.all();
  return nlohmann::json::parse(r.out);
}

// Three words; "dog" and "tomato" have two admissible pronunciations each.
void write_g2p_files(TempDir& tmp) {
  write_bytes(tmp.file("ref.tsv"),
              "c a t\tK AE T\nd o g\tD AA G\nd o g\tD AO G\nt o m a t o\tT AH M EY T OW\nt o m a t o\tT AH M AA T OW\n");
  // Every word right (against its second variant twice), in another order than the references.
  write_bytes(tmp.file("hyp.tsv"), "t o m a t o\tT AH M AA T OW\nc a t\tK AE T\nd o g\tD AO G\n");
  // "cat" and "tomato" one phoneme off each: 2 errors in 3 + 6 phonemes, 2 of 3 words wrong.
  write_bytes(tmp.file("base.tsv"), "c a t\tK AE D\nd o g\tD AO G\nt o m a t o\tT AH M EY D OW\n");
}

TEST(CliEvalPaired, KeyedG2pFilesScoreEachWordAgainstAllItsPronunciations) {
  TempDir tmp;
  write_g2p_files(tmp);
  const std::string cmd = "eval per --ref " + tmp.file("ref.tsv") + " --json --hyp ";
  nlohmann::json j = parse_json(run_cli(cmd + tmp.file("hyp.tsv")));
  EXPECT_EQ(j.at("words").get<int>(), 3);
  EXPECT_EQ(j.at("word_errors").get<int>(), 0);
  EXPECT_EQ(j.at("phoneme_errors").get<int>(), 0);
  j = parse_json(run_cli(cmd + tmp.file("base.tsv")));
  EXPECT_EQ(j.at("word_errors").get<int>(), 2);
  EXPECT_EQ(j.at("phoneme_errors").get<int>(), 2);
  EXPECT_EQ(j.at("ref_phonemes").get<int>(), 12);  // 3 + 3 + 6: the closest variant's length
  EXPECT_FALSE(j.contains("paired"));
}

TEST(CliEvalPaired, KeyedWordsAreComparedByTheirLettersAndBlankLinesSkipped) {
  TempDir tmp;
  write_g2p_files(tmp);
  // CRLF line ends, doubled and trailing spaces in the word, a blank last line: the same three words.
  write_bytes(tmp.file("messy.tsv"), "t o m a t o \tT AH M AA T OW\r\nc  a t\tK AE T\r\nd o g\r\tD AO G\r\n\n");
  const nlohmann::json j =
      parse_json(run_cli("eval per --ref " + tmp.file("ref.tsv") + " --hyp " + tmp.file("messy.tsv") + " --json"));
  EXPECT_EQ(j.at("words").get<int>(), 3);
  EXPECT_EQ(j.at("word_errors").get<int>(), 0);
  write_bytes(tmp.file("nameless.tsv"), "c a t\tK AE T\n \tD AO G\n");
  expect_one_line_error(run_cli("eval per --ref " + tmp.file("ref.tsv") + " --hyp " + tmp.file("nameless.tsv")),
                        "line 2 of " + tmp.file("nameless.tsv") + " has no word before the tab");
}

TEST(CliEvalPaired, PerBaselineGivesBothTestsAndMcNemar) {
  TempDir tmp;
  write_g2p_files(tmp);
  const std::string cmd = "eval per --ref " + tmp.file("ref.tsv") + " --hyp " + tmp.file("hyp.tsv") + " --baseline " +
                          tmp.file("base.tsv") + " --json";
  nlohmann::json p = parse_json(run_cli(cmd)).at("paired");
  EXPECT_EQ(p.at("test"), "bs");
  EXPECT_EQ(p.at("samples").get<int>(), 1000);
  EXPECT_EQ(p.at("seed").get<int>(), 12345);
  EXPECT_NEAR(p.at("wer").at("baseline").get<double>(), 200.0 / 3, 1e-9);
  EXPECT_NEAR(p.at("wer").at("system").get<double>(), 0.0, 1e-12);
  EXPECT_NEAR(p.at("per").at("baseline").get<double>(), 200.0 / 12, 1e-9);
  EXPECT_EQ(p.at("mcnemar").at("only_baseline_right").get<int>(), 0);
  EXPECT_EQ(p.at("mcnemar").at("only_system_right").get<int>(), 2);
  EXPECT_DOUBLE_EQ(p.at("mcnemar").at("p").get<double>(), 0.5);  // 2 * (1/2)^2
  // Randomisation: the difference stays whole only when both discordant words swap alike, p = 1/2.
  p = parse_json(run_cli(cmd + " --paired ar --samples 400 --seed 3")).at("paired");
  EXPECT_EQ(p.at("test"), "ar");
  EXPECT_EQ(p.at("samples").get<int>(), 400);
  EXPECT_NEAR(p.at("wer").at("p").get<double>(), 0.5, 0.1);
  const CliResult text = run_cli("eval per --ref " + tmp.file("ref.tsv") + " --hyp " + tmp.file("hyp.tsv") +
                                 " --baseline " + tmp.file("base.tsv"));
  EXPECT_EQ(text.exit_code, 0) << text.all();
  EXPECT_NE(text.out.find("paired bootstrap (1000 draws, seed 12345) against " + tmp.file("base.tsv")),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("McNemar's exact test on words: 0 right only in the baseline, 2 only in --hyp, p = 0.5000"),
            std::string::npos)
      << text.out;
}

TEST(CliEvalPaired, BleuAgainstItselfIsNotSignificant) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "the cat sat on the mat\none two three four five\nso it goes\n");
  write_bytes(tmp.file("ref.txt"), "the cat is on the mat\none two six three four seven five\nand so it goes\n");
  const nlohmann::json p = parse_json(run_cli("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt") +
                                              " --baseline " + tmp.file("hyp.txt") + " --json"))
                               .at("paired");
  for (const char* metric : {"bleu", "chrf"}) {
    EXPECT_DOUBLE_EQ(p.at(metric).at("p").get<double>(), 1.0) << metric;
    EXPECT_EQ(p.at(metric).at("baseline"), p.at(metric).at("system")) << metric;
    EXPECT_GT(p.at(metric).at("system_ci").get<double>(), 0.0) << metric;
  }
}

TEST(CliEvalPaired, ConfidenceGivesEachScoresBootstrapInterval) {
  TempDir tmp;
  write_g2p_files(tmp);
  const std::string per = "eval per --ref " + tmp.file("ref.tsv") + " --hyp " + tmp.file("base.tsv");
  const nlohmann::json c = parse_json(run_cli(per + " --confidence --samples 400 --json")).at("confidence");
  EXPECT_EQ(c.at("samples").get<int>(), 400);
  EXPECT_NEAR(c.at("wer").at("score").get<double>(), 200.0 / 3, 1e-9);
  // Three words, two wrong: the draws' WER takes the values 0, 33, 67, 100; the interval spans most of them.
  EXPECT_GT(c.at("wer").at("ci").get<double>(), 30.0);
  EXPECT_NEAR(c.at("wer").at("mean").get<double>(), 200.0 / 3, 6.0);
  const CliResult text = run_cli(per + " --confidence");
  EXPECT_NE(text.out.find("bootstrap confidence (1000 draws, seed 12345):"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("WER   66.67 (mean "), std::string::npos) << text.out;
  expect_one_line_error(run_cli(per + " --seed 3"), "--samples and --seed set the draws of --baseline or --confidence");
  // An option of eval --model placed before the subcommand would be ignored: it is an error.
  expect_one_line_error(run_cli("eval --confidence per --ref " + tmp.file("ref.tsv") + " --hyp " + tmp.file("base.tsv")),
                        "--confidence is an option of eval --model");
  const CliResult few = run_cli(per + " --confidence --samples 39");
  EXPECT_EQ(few.exit_code, 2) << few.all();  // fewer draws than a 95% interval needs
}

TEST(CliEvalPaired, BadFilesGiveOneLine) {
  TempDir tmp;
  write_g2p_files(tmp);
  const std::string per = "eval per --ref " + tmp.file("ref.tsv") + " --hyp ";
  write_bytes(tmp.file("missing.tsv"), "c a t\tK AE T\nt o m a t o\tT AH M AA T OW\n");
  expect_one_line_error(run_cli(per + tmp.file("missing.tsv")), "has no line for the word 'd o g'");
  write_bytes(tmp.file("stranger.tsv"), "c a t\tK AE T\nd o g\tD AO G\nt o m a t o\tT OW\nc o w\tK AW\n");
  expect_one_line_error(run_cli(per + tmp.file("stranger.tsv")), "line 4 of " + tmp.file("stranger.tsv") +
                                                                     ": the word 'c o w' is not in");
  write_bytes(tmp.file("twice.tsv"), "c a t\tK AE T\nd o g\tD AO G\nc a t\tK AE T\n");
  expect_one_line_error(run_cli(per + tmp.file("twice.tsv")), "lines 1 and 3 of " + tmp.file("twice.tsv"));
  write_bytes(tmp.file("mixed.tsv"), "c a t\tK AE T\nD AO G\n");
  expect_one_line_error(run_cli(per + tmp.file("mixed.tsv")), "line 2 of " + tmp.file("mixed.tsv") + " has no tab");
  write_bytes(tmp.file("plain.txt"), "K AE T\nD AO G\nT AH M AA T OW\n");
  expect_one_line_error(run_cli(per + tmp.file("plain.txt")), "give both in one layout");
  expect_one_line_error(run_cli(per + tmp.file("hyp.tsv") + " --baseline " + tmp.file("missing.tsv")),
                        "has no line for the word 'd o g'");
  const CliResult bad_test = run_cli(per + tmp.file("hyp.tsv") + " --baseline " + tmp.file("base.tsv") + " --paired xx");
  EXPECT_EQ(bad_test.exit_code, 2);  // an option's value: the command-line parser's exit code
  EXPECT_EQ(split_lines(bad_test.all()).size(), 1u) << bad_test.all();
  EXPECT_NE(bad_test.err.find("--paired: xx not in {bs,ar}"), std::string::npos) << bad_test.err;
  const CliResult lone = run_cli(per + tmp.file("hyp.tsv") + " --paired ar");  // --paired without --baseline
  EXPECT_EQ(lone.exit_code, 2);
  EXPECT_NE(lone.err.find("--paired requires --baseline"), std::string::npos) << lone.err;
  write_bytes(tmp.file("one.txt"), "a b c\n");
  write_bytes(tmp.file("two.txt"), "a b c\nd e f\n");
  expect_one_line_error(run_cli("eval bleu --hyp " + tmp.file("one.txt") + " --ref " + tmp.file("one.txt") +
                                " --baseline " + tmp.file("two.txt")),
                        tmp.file("two.txt") + " has 2 lines");
}

}  // namespace
