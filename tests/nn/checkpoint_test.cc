// Checkpoints: round trip of weights, optimizer state, RNG and caller JSON; crash safety at every stage
// of a save (thrown faults and real process exits); and bad directories, files and state.json.
#include "nn/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "nn/safetensors.h"
#include "support/temp_dir.h"
#include "tensor/rng.h"

namespace attend::nn {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing_util::read_bytes;
using testing_util::TempDir;
using testing_util::write_bytes;

// Two parameters, the smallest module a checkpoint can describe.
class Tiny : public Module {
 public:
  explicit Tiny(int64_t in = 3, int64_t out = 2, double fill = 0.0) {
    weight_ = &register_parameter("weight", Tensor::full(Shape{out, in}, fill));
    bias_ = &register_parameter("bias", Tensor::full(Shape{out}, -fill));
  }
  Tensor& weight() { return *weight_; }
  Tensor& bias() { return *bias_; }

 private:
  Tensor* weight_;
  Tensor* bias_;
};

// Tiny under a dotted name, plus one more parameter: "enc.weight", "enc.bias", "scale".
class Outer : public Module {
 public:
  Outer() {
    register_module("enc", &enc);
    scale = register_parameter("scale", Tensor::ones(Shape{1}));
  }
  Tiny enc;
  Tensor scale;
};

void fill_pattern(const Module& m, double offset) {
  int k = 0;
  for (auto& [name, p] : m.named_parameters()) {
    Tensor t = p;
    float* d = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) d[i] = static_cast<float>(offset + 0.1 * (k++));
  }
}

std::vector<std::vector<float>> values_of(const Module& m) {
  std::vector<std::vector<float>> out;
  for (auto& [name, p] : m.named_parameters()) out.push_back(p.to_vector<float>());
  return out;
}

// Gives every parameter a gradient and steps.
void train_step(const Module& m, Optimizer& opt, double g) {
  for (auto& [name, p] : m.named_parameters()) {
    Tensor t = p;
    t.set_grad(Tensor::full(p.shape(), g));
  }
  opt.step();
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(e.message().find(needle), std::string::npos) << "message: " << e.message();
    EXPECT_EQ(e.message().find('\n'), std::string::npos) << "not one line: " << e.message();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an attend::Error: " << e.what();
  }
}

class Checkpoint : public ::testing::Test {
 protected:
  void TearDown() override { detail::set_checkpoint_fault_hook(nullptr); }
  std::string dir() const { return tmp_.file("ckpt"); }
  // Saves `m` (weights at `offset`) with an Adam trained for `steps` steps.
  void save_at(Outer& m, double offset, int64_t step) {
    fill_pattern(m, offset);
    Adam opt(m.named_parameters(), AdamOptions{.lr = 0.01});
    for (int64_t s = 0; s < step; ++s) train_step(m, opt, 0.5);
    CheckpointState st;
    st.step = step;
    st.config = {{"offset", offset}};
    save_checkpoint(dir(), m, &opt, st);
  }
  TempDir tmp_;
};

TEST_F(Checkpoint, RoundTripRestoresEverything) {
  Outer a;
  fill_pattern(a, 1.0);
  Adam opt_a(a.named_parameters(), AdamOptions{.lr = 0.01, .weight_decay = 0.1});
  train_step(a, opt_a, 0.5);
  train_step(a, opt_a, -0.25);
  Rng rng(1234);
  rng.normal();
  CheckpointState st;
  st.step = 2;
  st.config = {{"model", "tiny"}, {"d", 3}};
  st.rng = rng.state();
  st.extra = {{"best_bleu", 12.5}, {"history", {1, 2, 3}}};
  save_checkpoint(dir(), a, &opt_a, st);

  for (const char* f : {"model.safetensors", "optimizer.safetensors", "state.json"})
    EXPECT_TRUE(fs::exists(fs::path(dir()) / f)) << f;
  for (const auto& e : fs::directory_iterator(dir()))
    EXPECT_NE(e.path().extension(), ".tmp") << "left behind: " << e.path();
  // The weights file is plain safetensors with parameters by dotted name.
  const SafetensorsFile weights = load_safetensors((fs::path(dir()) / "model.safetensors").string());
  ASSERT_EQ(weights.tensors.size(), 3u);
  EXPECT_EQ(weights.tensors[0].first, "scale");  // own parameters first, then children's
  EXPECT_EQ(weights.tensors[1].first, "enc.weight");
  const SafetensorsFile moments = load_safetensors((fs::path(dir()) / "optimizer.safetensors").string());
  EXPECT_EQ(moments.tensors.size(), 6u);
  EXPECT_EQ(moments.tensors[2].first, "adam.m.enc.weight");

  Outer b;
  Adam opt_b(b.named_parameters(), AdamOptions{.lr = 0.5});
  const CheckpointState got = load_checkpoint(dir(), b, &opt_b);
  EXPECT_EQ(values_of(b), values_of(a));
  EXPECT_EQ(got.step, 2);
  EXPECT_EQ(got.config, st.config);
  EXPECT_EQ(got.extra, st.extra);
  ASSERT_TRUE(got.rng.has_value());
  Rng restored;
  restored.set_state(*got.rng);
  EXPECT_EQ(restored.next_u64(), rng.next_u64());
  EXPECT_EQ(opt_b.lr(), 0.01);
  EXPECT_EQ(opt_b.step_count(), 2);
  EXPECT_EQ(read_checkpoint_state(dir()).config, st.config);
  // Training continues identically.
  train_step(a, opt_a, 0.75);
  train_step(b, opt_b, 0.75);
  EXPECT_EQ(values_of(b), values_of(a));
}

TEST_F(Checkpoint, CallerTensorsTravelWithTheOptimizerState) {
  Outer a;
  fill_pattern(a, 1.0);
  Adam opt_a(a.named_parameters(), AdamOptions{.lr = 0.01});
  train_step(a, opt_a, 0.5);
  CheckpointState st;
  st.step = 1;
  st.tensors = {{"average.scale", Tensor::full(Shape{1}, 7.0)}, {"average.enc.bias", Tensor::full(Shape{2}, -3.0)}};
  save_checkpoint(dir(), a, &opt_a, st);
  const auto saved = values_of(a);
  const SafetensorsFile file = load_safetensors((fs::path(dir()) / "optimizer.safetensors").string());
  ASSERT_EQ(file.tensors.size(), 8u);  // six Adam moments, then the caller's two
  EXPECT_EQ(file.tensors[6].first, "extra.average.scale");

  Outer b;
  Adam opt_b(b.named_parameters(), AdamOptions{.lr = 0.5});
  const CheckpointState got = load_checkpoint(dir(), b, &opt_b);
  ASSERT_EQ(got.tensors.size(), 2u);
  EXPECT_EQ(got.tensors[0].first, "average.scale");
  EXPECT_EQ(got.tensors[0].second.to_vector<float>(), std::vector<float>{7.0f});
  EXPECT_EQ(got.tensors[1].first, "average.enc.bias");
  EXPECT_EQ(got.tensors[1].second.to_vector<float>(), (std::vector<float>{-3.0f, -3.0f}));
  EXPECT_EQ(opt_b.step_count(), 1);  // the optimizer got only its own buffers
  train_step(a, opt_a, 0.75);
  train_step(b, opt_b, 0.75);
  EXPECT_EQ(values_of(b), values_of(a));
  // Without an optimizer the file is read only when asked for.
  Outer c;
  EXPECT_TRUE(load_checkpoint(dir(), c, nullptr).tensors.empty());
  const CheckpointState asked = load_checkpoint(dir(), c, nullptr, /*caller_tensors=*/true);
  ASSERT_EQ(asked.tensors.size(), 2u);
  EXPECT_EQ(asked.tensors[1].first, "average.enc.bias");
  EXPECT_EQ(values_of(c), saved);
}

TEST_F(Checkpoint, WithoutOptimizer) {
  Outer a, b;
  fill_pattern(a, 2.0);
  save_checkpoint(dir(), a, nullptr, CheckpointState{});
  const CheckpointState got = load_checkpoint(dir(), b, nullptr);
  EXPECT_EQ(values_of(b), values_of(a));
  EXPECT_TRUE(got.optimizer.is_null());
  EXPECT_FALSE(got.rng.has_value());
  Sgd opt(b.named_parameters(), SgdOptions{});
  expect_error([&] { load_checkpoint(dir(), b, &opt); }, "saved without optimizer state");
}

TEST_F(Checkpoint, LaterSaveReplacesEarlier) {
  Outer m, back;
  save_at(m, 1.0, 1);
  save_at(m, 5.0, 3);
  EXPECT_EQ(load_checkpoint(dir(), back, nullptr).step, 3);
  EXPECT_EQ(values_of(back), values_of(m));
}

// A failure after the temporary files are written but before any rename leaves the previous checkpoint.
TEST_F(Checkpoint, FailureBeforeRenamesKeepsPrevious) {
  Outer m;
  save_at(m, 1.0, 1);
  const auto previous = values_of(m);
  detail::set_checkpoint_fault_hook([](std::string_view stage) {
    if (stage == "tensors_written") throw std::runtime_error("simulated crash");
  });
  EXPECT_THROW(save_at(m, 7.0, 4), std::runtime_error);
  detail::set_checkpoint_fault_hook(nullptr);
  Outer back;
  Adam opt(back.named_parameters(), AdamOptions{});
  const CheckpointState st = load_checkpoint(dir(), back, &opt);
  EXPECT_EQ(st.step, 1);
  EXPECT_EQ(st.config["offset"], 1.0);
  EXPECT_EQ(values_of(back), previous);
  EXPECT_EQ(opt.step_count(), 1);
}

// A failure between the renames: the tensor files are new, state.json old; the synced state.json.tmp
// completes the save, so the new checkpoint loads whole (never a mix of the two).
TEST_F(Checkpoint, FailureBetweenRenamesRollsForward) {
  for (const char* stage : {"model_renamed", "optimizer_renamed"}) {
    SCOPED_TRACE(stage);
    fs::remove_all(dir());
    Outer m;
    save_at(m, 1.0, 1);
    static std::string fail_at;
    fail_at = stage;
    detail::set_checkpoint_fault_hook([](std::string_view s) {
      if (s == fail_at) throw std::runtime_error("simulated crash");
    });
    EXPECT_THROW(save_at(m, 7.0, 4), std::runtime_error);
    detail::set_checkpoint_fault_hook(nullptr);
    Outer back;
    Adam opt(back.named_parameters(), AdamOptions{});
    const CheckpointState st = load_checkpoint(dir(), back, &opt);
    EXPECT_EQ(st.step, 4);
    EXPECT_EQ(values_of(back), values_of(m));
    EXPECT_EQ(opt.step_count(), 4);
    // The next save first completes the interrupted one, so failing in its turn still leaves step 4.
    const auto step4 = values_of(m);
    fail_at = "tensors_written";
    detail::set_checkpoint_fault_hook([](std::string_view s) {
      if (s == fail_at) throw std::runtime_error("simulated crash");
    });
    EXPECT_THROW(save_at(m, 11.0, 9), std::runtime_error);
    detail::set_checkpoint_fault_hook(nullptr);
    EXPECT_FALSE(fs::exists(fs::path(dir()) / "state.json.tmp"));
    EXPECT_EQ(load_checkpoint(dir(), back, nullptr).step, 4);
    EXPECT_EQ(values_of(back), step4);
  }
}

// The same with a real process exit at each stage (no unwinding, no clean-up): a forked child saves
// and calls _exit inside save_checkpoint.
TEST_F(Checkpoint, ProcessKilledMidSaveLeavesALoadableCheckpoint) {
  struct Case {
    const char* stage;
    int64_t expect_step;
  };
  for (const Case c : {Case{"tensors_written", 1}, Case{"model_renamed", 4}, Case{"optimizer_renamed", 4}}) {
    SCOPED_TRACE(c.stage);
    fs::remove_all(dir());
    Outer m;
    save_at(m, 1.0, 1);
    // Everything but the save itself happens before the fork, so the child only writes files.
    fill_pattern(m, 7.0);
    Adam opt(m.named_parameters(), AdamOptions{.lr = 0.01});
    for (int s = 0; s < 4; ++s) train_step(m, opt, 0.5);
    CheckpointState st;
    st.step = 4;
    static std::string kill_at;
    kill_at = c.stage;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      detail::set_checkpoint_fault_hook([](std::string_view s) {
        if (s == kill_at) _exit(3);
      });
      try {
        save_checkpoint(dir(), m, &opt, st);
      } catch (...) {
      }
      _exit(0);  // the hook never fired
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "child status " << status;

    Outer back;
    Adam loaded(back.named_parameters(), AdamOptions{});
    EXPECT_EQ(load_checkpoint(dir(), back, &loaded).step, c.expect_step);
    EXPECT_EQ(loaded.step_count(), c.expect_step);
    if (c.expect_step == 4) {
      EXPECT_EQ(values_of(back), values_of(m));
    } else {
      Outer first;  // replays the first save: weights at 1.0, one Adam step
      fill_pattern(first, 1.0);
      Adam replay(first.named_parameters(), AdamOptions{.lr = 0.01});
      train_step(first, replay, 0.5);
      EXPECT_EQ(values_of(back), values_of(first));
    }
    // A new save over the leftovers works, and so does loading it.
    save_at(m, 9.0, 5);
    EXPECT_EQ(load_checkpoint(dir(), back, &loaded).step, 5);
    EXPECT_EQ(values_of(back), values_of(m));
  }
}

TEST_F(Checkpoint, GarbageTemporaryFilesAreIgnored) {
  Outer m, back;
  save_at(m, 1.0, 2);
  const fs::path d(dir());
  write_bytes((d / "model.safetensors.tmp").string(), "garbage");
  write_bytes((d / "state.json.tmp").string(), read_bytes((d / "state.json").string()).substr(0, 40));
  EXPECT_EQ(load_checkpoint(dir(), back, nullptr).step, 2);
  EXPECT_EQ(values_of(back), values_of(m));
}

TEST_F(Checkpoint, ModelMismatchNamesParameterAndShapesAndChangesNothing) {
  Outer m;
  save_at(m, 1.0, 1);
  {
    Tiny wrong_shape(4, 2, 0.5);  // weight [2, 4] where the file has [2, 3]; names differ too
    expect_error([&] { load_checkpoint(dir(), wrong_shape, nullptr); }, "missing parameter 'weight'");
  }
  class Renamed : public Module {
   public:
    Renamed() { register_module("enc", &enc), register_parameter("scale", Tensor::ones(Shape{2})); }
    Tiny enc{3, 2, 0.5};
  } bad_scale;
  const auto before = values_of(bad_scale);
  expect_error([&] { load_checkpoint(dir(), bad_scale, nullptr); },
               "parameter 'scale' is float32 [2] in the model but float32 [1] in the file");
  EXPECT_EQ(values_of(bad_scale), before);
  class Fewer : public Module {
   public:
    Fewer() { register_module("enc", &enc); }
    Tiny enc;
  } fewer;
  expect_error([&] { load_checkpoint(dir(), fewer, nullptr); }, "unexpected tensor 'scale'");
  class More : public Module {
   public:
    More() {
      register_module("enc", &enc);
      register_parameter("scale", Tensor::ones(Shape{1}));
      register_parameter("gate", Tensor::ones(Shape{1}));
    }
    Tiny enc;
  } more;
  expect_error([&] { load_checkpoint(dir(), more, nullptr); }, "missing parameter 'gate'");
  class Doubles : public Module {
   public:
    Doubles() {
      register_module("enc", &enc);
      register_parameter("scale", Tensor::ones(Shape{1}, DType::F64));
    }
    Tiny enc;
  } doubles;
  expect_error([&] { load_checkpoint(dir(), doubles, nullptr); }, "float64 [1] in the model but float32 [1]");
  // An optimizer of another kind: nothing changes, neither model nor optimizer.
  Outer back;
  fill_pattern(back, 3.0);
  const auto back_before = values_of(back);
  Sgd sgd(back.named_parameters(), SgdOptions{.lr = 0.2});
  expect_error([&] { load_checkpoint(dir(), back, &sgd); }, "'adam'");
  EXPECT_EQ(values_of(back), back_before);
  EXPECT_EQ(sgd.lr(), 0.2);
}

TEST_F(Checkpoint, BadDirectoriesAndFiles) {
  Outer m;
  expect_error([&] { load_checkpoint(tmp_.file("absent"), m, nullptr); }, "directory does not exist");
  write_bytes(tmp_.file("plain"), "x");
  expect_error([&] { load_checkpoint(tmp_.file("plain"), m, nullptr); }, "not a directory");
  expect_error([&] { save_checkpoint(tmp_.file("plain"), m, nullptr, {}); }, "plain");
  fs::create_directories(dir());
  expect_error([&] { load_checkpoint(dir(), m, nullptr); }, "missing model.safetensors");

  save_at(m, 1.0, 1);
  const fs::path d(dir());
  const std::string model = read_bytes((d / "model.safetensors").string());
  const std::string optimizer = read_bytes((d / "optimizer.safetensors").string());
  const std::string state = read_bytes((d / "state.json").string());
  auto restore = [&] {
    write_bytes((d / "model.safetensors").string(), model);
    write_bytes((d / "optimizer.safetensors").string(), optimizer);
    write_bytes((d / "state.json").string(), state);
  };
  Outer back;
  Adam opt(back.named_parameters(), AdamOptions{});
  // Truncated tensor files.
  for (size_t len : {size_t{0}, size_t{5}, size_t{30}, model.size() - 1}) {
    write_bytes((d / "model.safetensors").string(), model.substr(0, len));
    expect_error([&] { load_checkpoint(dir(), back, &opt); }, "model.safetensors");
  }
  restore();
  write_bytes((d / "optimizer.safetensors").string(), optimizer.substr(0, optimizer.size() - 3));
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "optimizer.safetensors");
  restore();
  fs::remove(d / "optimizer.safetensors");
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "missing optimizer.safetensors");
  restore();
  // Foreign weights without attend's save_id.
  save_safetensors((d / "model.safetensors").string(), m.named_parameters());
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "attend.save_id");
  restore();
  // state.json problems.
  fs::remove(d / "state.json");
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "missing state.json");
  write_bytes((d / "state.json").string(), "{\"step\": 3, ");
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "not valid JSON");
  write_bytes((d / "state.json").string(), "[]");
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "expected a JSON object");
  const json good = json::parse(state);
  for (const char* key : {"format", "version", "save_id", "step", "config", "optimizer", "rng", "extra"}) {
    json j = good;
    j.erase(key);
    write_bytes((d / "state.json").string(), j.dump());
    expect_error([&] { load_checkpoint(dir(), back, &opt); }, std::string("missing key '") + key + "'");
  }
  auto with = [&](const char* key, const json& v) {
    json j = good;
    j[key] = v;
    write_bytes((d / "state.json").string(), j.dump());
  };
  with("step", -1);
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "'step'");
  with("step", "ten");
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "'step'");
  with("rng", {1, 2, 3});
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "'rng'");
  with("config", 5);
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "'config'");
  with("version", 99);
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "version 99");
  with("save_id", "0000000000000000");
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "does not belong");
  json bad_opt = good;
  bad_opt["optimizer"]["hyperparameters"]["eps"] = -1;
  write_bytes((d / "state.json").string(), bad_opt.dump());
  expect_error([&] { load_checkpoint(dir(), back, &opt); }, "eps");
  // Nothing above changed the model or the optimizer.
  EXPECT_EQ(values_of(back), values_of(Outer{}));
  EXPECT_EQ(opt.step_count(), 0);
  restore();
  EXPECT_EQ(load_checkpoint(dir(), back, &opt).step, 1);
}

TEST_F(Checkpoint, ConfigThatIsNotUtf8IsAnErrorAndKeepsPrevious) {
  Outer m, back;
  save_at(m, 1.0, 1);
  CheckpointState st;
  st.config = {{"name", std::string("bad \xff byte")}};
  expect_error([&] { save_checkpoint(dir(), m, nullptr, st); }, "cannot encode state.json");
  EXPECT_EQ(load_checkpoint(dir(), back, nullptr).step, 1);
  expect_error([&] { save_checkpoint(dir(), m, nullptr, CheckpointState{.step = -2}); }, "step");
  expect_error([&] { save_checkpoint(dir(), m, nullptr, CheckpointState{.config = json::array()}); }, "config");
}

TEST(ModuleWeights, SaveAndLoadByName) {
  TempDir tmp;
  Outer a, b;
  fill_pattern(a, 4.0);
  save_module_weights(tmp.file("w.safetensors"), a);
  load_module_weights(tmp.file("w.safetensors"), b);
  EXPECT_EQ(values_of(b), values_of(a));
  Tiny other;
  expect_error([&] { load_module_weights(tmp.file("w.safetensors"), other); }, "missing parameter 'weight'");
}

}  // namespace
}  // namespace attend::nn
