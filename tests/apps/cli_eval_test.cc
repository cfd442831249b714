// `attend eval` end to end: the binary on small files, its JSON numbers against hand-worked values (see
// tests/eval/*_test.cc for the arithmetic), and bad input that must give one line and a non-zero exit.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "support/temp_dir.h"
#include "support/run_cli.h"

namespace {

using attend::testing_util::RunResult;
using attend::testing_util::run;
using attend::testing_util::lines;

using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;

nlohmann::json parse_json(const RunResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(lines(r.out), 1) << r.out;
  return nlohmann::json::parse(r.out);
}

// The two-sentence corpus of Bleu.CorpusSumsStatisticsBeforeScoring: BLEU = 100 exp(1 - 13/11)
// (10/11 * 5/9 * 1/7 * 1/10)^(1/4); chrF 55.22637131862777 from tests/eval/sacrebleu_twin.py (corpus_chrf).
TEST(CliEval, BleuJsonMatchesTheHandWorkedCorpus) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "the cat sat on the mat\none two three four five\n");
  write_bytes(tmp.file("ref.txt"), "the cat is on the mat\none two six three four seven five\n");
  const nlohmann::json j = parse_json(run("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt") + " --json"));
  const double expected = 100.0 * std::exp(1.0 - 13.0 / 11) * std::pow(10.0 / 11 * 5.0 / 9 * 1.0 / 7 * 1.0 / 10, 0.25);
  EXPECT_NEAR(j.at("bleu").get<double>(), expected, 1e-9);
  EXPECT_NEAR(j.at("chrf").get<double>(), 55.22637131862777, 1e-9);
  EXPECT_NEAR(j.at("bp").get<double>(), std::exp(1.0 - 13.0 / 11), 1e-12);
  EXPECT_NEAR(j.at("ratio").get<double>(), 11.0 / 13, 1e-12);
  EXPECT_EQ(j.at("hyp_len").get<int>(), 11);
  EXPECT_EQ(j.at("ref_len").get<int>(), 13);
  EXPECT_EQ(j.at("sentences").get<int>(), 2);

  const RunResult human = run("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt"));
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_NE(human.out.find("BLEU = 24.30 90.9/55.6/14.3/10.0 (BP = 0.834 ratio = 0.846 hyp_len = 11 ref_len = 13)"),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("chrF2 = 55.23"), std::string::npos) << human.out;
}

// A second reference file: sentence 1 as in Bleu.SeveralReferencesClipByTheLargestCount (6/6, 5/5, 2/4,
// 0/3), sentence 2 matches "one two three four five six" fully (5/5, 4/4, 3/3, 2/2) and takes its length 6
// (closer to 5 than 7): BLEU = 100 exp(1 - 12/11) (1 * 1 * 5/7 * 2/5)^(1/4) = 66.758.
TEST(CliEval, BleuWithTwoReferenceFiles) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "the cat sat on the mat\none two three four five\n");
  write_bytes(tmp.file("ref1.txt"), "the cat is on the mat\none two six three four seven five\n");
  write_bytes(tmp.file("ref2.txt"), "a cat sat on a mat\none two three four five six\n");
  const nlohmann::json j = parse_json(run("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref1.txt") +
                                          " --ref " + tmp.file("ref2.txt") + " --json"));
  EXPECT_NEAR(j.at("bleu").get<double>(), 100.0 * std::exp(1.0 - 12.0 / 11) * std::pow(2.0 / 7, 0.25), 1e-9);
  EXPECT_EQ(j.at("ref_len").get<int>(), 12);
  EXPECT_NEAR(j.at("chrf").get<double>(), 77.86138481657477, 1e-9);  // sacrebleu_twin.py corpus_chrf
}

TEST(CliEval, LineCountMismatchNamesBothFilesAndCounts) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "a\nb\nc\n");
  write_bytes(tmp.file("ref.txt"), "a\nb\n");
  const RunResult r = run("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find(tmp.file("hyp.txt") + " has 3 lines but " + tmp.file("ref.txt") + " has 2 lines"),
            std::string::npos)
      << r.out;
}

TEST(CliEval, MissingFileIsNamed) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "a\n");
  const RunResult r = run("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("missing.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("cannot open reference file '" + tmp.file("missing.txt") + "'"), std::string::npos) << r.out;
}

TEST(CliEval, EmptyReferenceLineIsRefused) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "a b\nc d\n");
  write_bytes(tmp.file("ref.txt"), "a b\n \t\r\n");  // blank after right-stripping, as sacrebleu reads it
  const RunResult r = run("eval bleu --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("line 2 of " + tmp.file("ref.txt") + " is empty"), std::string::npos) << r.out;
}

// G2pScore.OneReferencePerWord: PER 3/9, WER 2/3.
TEST(CliEval, PerJson) {
  TempDir tmp;
  write_bytes(tmp.file("hyp.txt"), "K AE T\nD AO G\nDH AH\n");
  write_bytes(tmp.file("ref.txt"), "K AE T\nD AA G\nDH AH0 IY\n");
  const nlohmann::json j = parse_json(run("eval per --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt") + " --json"));
  EXPECT_NEAR(j.at("per").get<double>(), 100.0 / 3, 1e-12);
  EXPECT_NEAR(j.at("wer").get<double>(), 200.0 / 3, 1e-12);
  EXPECT_EQ(j.at("words").get<int>(), 3);
  const RunResult human = run("eval per --hyp " + tmp.file("hyp.txt") + " --ref " + tmp.file("ref.txt"));
  EXPECT_NE(human.out.find("PER = 33.33% (3/9 phonemes) WER = 66.67% (2/3 words)"), std::string::npos) << human.out;
}

// Aer.HandWorkedSureAndPossible and Aer.LinksTouchingUntaggedWordsAreIgnored as files.
TEST(CliEval, AerJsonWithAndWithoutTaggedWords) {
  TempDir tmp;
  write_bytes(tmp.file("gold.txt"), "0-0 1-1 1?2 2?2\n0-0 1-1\n");
  write_bytes(tmp.file("hyp.txt"), "0-0 1-2 2-1\n0-0 1-1 2-1 1-3\n");
  write_bytes(tmp.file("tags.txt"), "0 1 2 ||| 0 1 2\n0 1 ||| 0 1\n");
  const std::string base = "eval aer --hyp " + tmp.file("hyp.txt") + " --gold " + tmp.file("gold.txt") + " --json";
  // Unfiltered: sentence 1 A 3, S 2, A∩S 1, A∩P 2; sentence 2 A 4, S 2, A∩S 2, A∩P 2 -> 1 - 7/11.
  nlohmann::json j = parse_json(run(base));
  EXPECT_NEAR(j.at("aer").get<double>(), 1.0 - 7.0 / 11, 1e-12);
  EXPECT_EQ(j.at("hyp_links").get<int>(), 7);
  // Tagged: sentence 2 keeps 0-0 1-1 only -> A 5, S 4, A∩S 3, A∩P 4 -> 1 - 7/9.
  j = parse_json(run(base + " --tagged " + tmp.file("tags.txt")));
  EXPECT_NEAR(j.at("aer").get<double>(), 1.0 - 7.0 / 9, 1e-12);
  EXPECT_NEAR(j.at("precision").get<double>(), 4.0 / 5, 1e-12);
  EXPECT_NEAR(j.at("recall").get<double>(), 3.0 / 4, 1e-12);
}

// Two alignments symmetrised against gold S = {0-0, 1-1}, P = S + {2-2}: hyp {0-0, 1-2} scores
// 1 - (1 + 1)/(2 + 2) = 0.5, other {0-0, 2-2} 1 - (1 + 2)/(2 + 2) = 0.25, their intersection {0-0}
// 1 - 2/3, union {0-0, 1-2, 2-2} 1 - 3/5; grow-diag-final-and adds nothing to {0-0} by growing (no union
// link neighbours it), then hyp's 1-2 (both words unaligned) but not other's 2-2 (target 2 now aligned): 0.5.
TEST(CliEval, AerWithOtherSymmetrises) {
  TempDir tmp;
  write_bytes(tmp.file("gold.txt"), "0-0 1-1 2?2\n");
  write_bytes(tmp.file("a.txt"), "0-0 1-2\n");
  write_bytes(tmp.file("b.txt"), "0-0 2-2\n");
  const nlohmann::json j = parse_json(run("eval aer --json --hyp " + tmp.file("a.txt") + " --other " + tmp.file("b.txt") +
                                          " --gold " + tmp.file("gold.txt")));
  EXPECT_NEAR(j.at("hyp").at("aer").get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(j.at("other").at("aer").get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(j.at("intersection").at("aer").get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(j.at("union").at("aer").get<double>(), 0.4, 1e-12);
  EXPECT_NEAR(j.at("gdfa").at("aer").get<double>(), 0.5, 1e-12);
  write_bytes(tmp.file("c.txt"), "0-0\n1-1\n");
  const RunResult r = run("eval aer --hyp " + tmp.file("a.txt") + " --other " + tmp.file("c.txt") + " --gold " + tmp.file("gold.txt"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("has 2 lines"), std::string::npos) << r.out;
}

TEST(CliEval, BadAlignmentLineIsNamed) {
  TempDir tmp;
  write_bytes(tmp.file("gold.txt"), "0-0\n0-x\n");
  write_bytes(tmp.file("hyp.txt"), "0-0\n0-0\n");
  const RunResult r = run("eval aer --hyp " + tmp.file("hyp.txt") + " --gold " + tmp.file("gold.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("gold.txt line 2: bad alignment link '0-x'"), std::string::npos) << r.out;
}

TEST(CliEval, EvalWithoutSubcommandSaysWhatToDo) {
  const RunResult r = run("eval");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("attend eval bleu|per|aer"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("attend eval --model DIR --split test"), std::string::npos) << r.out;
}

}  // namespace
