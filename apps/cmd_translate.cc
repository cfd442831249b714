// `attend translate --model DIR`: stdin -> stdout, one output line per input line, in order, streamed in
// chunks of lines. --beam K (1 = greedy), --nbest N prints Moses-style n-best lines "i ||| text ||| score";
// --alignment appends " ||| " and Pharaoh word links "i-j" (source word i, output word j) taken from the
// attention argmax, subword pieces merged back into words; --attention-json FILE writes each sentence's
// attention matrix as a JSON line (with its 1-based input "line") that `attend viz --attention FILE` renders. Lines over --max-length source
// tokens (default 4 x the training max_length) give an empty output line and are counted on stderr.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "command.h"
#include "translator.h"
#include "viz/alignment_view.h"

namespace attend::app {
namespace {

struct TranslateCli {
  std::string model_dir;
  TranslateOptions opt;
  bool alignment = false;
  bool latest = false;
  std::string attention_json;
  int64_t chunk = 256;
  int64_t max_length = -1;  // source tokens; -1: 4 x the model's training max_length
};

std::string pharaoh(const std::vector<std::pair<int, int>>& links) {
  std::string s;
  for (auto [i, j] : links) {
    if (!s.empty()) s += ' ';
    s += std::to_string(i) + "-" + std::to_string(j);
  }
  return s;
}

int run_translate(TranslateCli& c) {
  LoadedModel m = load_model_dir(c.model_dir, c.latest);
  c.opt.weights = c.alignment || !c.attention_json.empty();
  ATTEND_CHECK(c.opt.search.nbest <= c.opt.search.beam, "translate: --nbest {} exceeds --beam {}", c.opt.search.nbest,
               c.opt.search.beam);
  std::unique_ptr<std::ofstream> views;
  if (!c.attention_json.empty()) {
    views = std::make_unique<std::ofstream>(c.attention_json, std::ios::trunc);
    ATTEND_CHECK(views->good(), "translate: cannot write {}", c.attention_json);
  }
  c.opt.max_source_tokens = c.max_length >= 0 ? c.max_length : 4 * m.config.data.max_length;
  int64_t line_no = 0, too_long = 0;
  std::vector<std::string> lines;
  auto flush = [&] {
    const auto results = translate_lines(m, lines, c.opt);
    for (size_t i = 0; i < lines.size(); ++i, ++line_no) {
      const auto& nbest = results[i];
      too_long += nbest.front().too_long;
      if (c.opt.search.nbest > 1) {
        for (const auto& t : nbest) {
          std::printf("%lld ||| %s ||| %.6f", static_cast<long long>(line_no), t.text.c_str(), t.score);
          if (c.alignment) std::printf(" ||| %s", pharaoh(t.word_links).c_str());
          std::printf("\n");
        }
      } else {
        const Translation& t = nbest.front();
        std::printf("%s", t.text.c_str());
        if (c.alignment) std::printf(" ||| %s", pharaoh(t.word_links).c_str());
        std::printf("\n");
      }
      if (views && !nbest.front().out_tokens.empty()) {
        const Translation& t = nbest.front();
        viz::AlignmentView v;
        v.source_tokens = t.src_tokens;
        v.output_tokens = t.out_tokens;
        v.weights = t.weights;
        v.title = lines[i];
        // Lines with no output (empty, too long) have no record: "line" (1-based) ties a record to its input.
        nlohmann::json record = viz::to_json(v);
        record["line"] = line_no + 1;
        // Input lines need not be valid UTF-8: such bytes become U+FFFD rather than failing the run.
        *views << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      }
    }
    std::fflush(stdout);
    lines.clear();
  };
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (static_cast<int64_t>(lines.size()) >= c.chunk) flush();
  }
  if (!lines.empty()) flush();
  if (too_long > 0)
    std::fprintf(stderr, "translate: %lld of %lld lines had more than %lld source tokens and were not translated "
                 "(empty output lines; --max-length sets the limit)\n", static_cast<long long>(too_long),
                 static_cast<long long>(line_no), static_cast<long long>(c.opt.max_source_tokens));
  return 0;
}

}  // namespace

ATTEND_COMMAND("translate", "translate stdin to stdout with a trained model (greedy or beam search)",
               [](CLI::App& cmd) -> std::function<int()> {
                 auto c = std::make_shared<TranslateCli>();
                 cmd.add_option("--model", c->model_dir, "model directory written by attend train --config")
                     ->required();
                 cmd.add_option("--beam", c->opt.search.beam, "beam size (1 = greedy)")->check(CLI::Range(1, 1000));
                 cmd.add_option("--nbest", c->opt.search.nbest, "hypotheses per line (Moses n-best format when > 1)")
                     ->check(CLI::Range(1, 1000));
                 cmd.add_option("--length-penalty", c->opt.search.length_penalty,
                                "GNMT length normalisation alpha (0 = raw log-probability)")
                     ->check(CLI::Range(0.0, 10.0));
                 cmd.add_option("--max-length-ratio", c->opt.search.max_length_ratio,
                                "an output may have at most ratio x source tokens + 10")
                     ->check(CLI::Range(0.0, 1000.0));
                 cmd.add_flag("--alignment", c->alignment, "append ' ||| ' and Pharaoh word alignments from attention");
                 cmd.add_option("--attention-json", c->attention_json,
                                "write each sentence's attention matrix as JSON lines (for attend viz)");
                 cmd.add_flag("--latest", c->latest, "use the latest checkpoint (its weight average, if the run keeps one) instead of the best dev weights");
                 cmd.add_option("--max-length", c->max_length,
                                "source tokens; longer lines are not translated (an empty output line, counted on "
                                "stderr); default 4 x the training max_length, 0 = no limit")
                     ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
                 cmd.add_option("--chunk", c->chunk, "lines read before translating (streaming granularity)")
                     ->check(CLI::Range(1, 1 << 20));
                 return [c] { return run_translate(*c); };
               });

}  // namespace attend::app
