// Optimizer bookkeeping (slots, state export/import) and the SGD / Adam / AdamW updates, which call
// the raw-buffer kernels in kernels/optim.
#include "nn/optim.h"

#include <cmath>
#include <set>
#include <unordered_map>

#include "kernels/optim.h"
#include "nn/json_fields.h"
#include "base/json_excerpt.h"

namespace attend::nn {
namespace jf = json_fields;
using nlohmann::json;

namespace {

void check_lr(double lr, std::string_view who) {
  ATTEND_CHECK(std::isfinite(lr) && lr >= 0, "{}: learning rate must be finite and >= 0, got {}", who, lr);
}

void validate(const SgdOptions& o) {
  ATTEND_CHECK(std::isfinite(o.momentum) && o.momentum >= 0, "sgd: momentum must be >= 0, got {}", o.momentum);
  ATTEND_CHECK(std::isfinite(o.dampening), "sgd: dampening must be finite, got {}", o.dampening);
  ATTEND_CHECK(std::isfinite(o.weight_decay) && o.weight_decay >= 0, "sgd: weight_decay must be >= 0, got {}",
               o.weight_decay);
  ATTEND_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
               "sgd: nesterov needs momentum > 0 and dampening 0, got momentum {} dampening {}", o.momentum,
               o.dampening);
}

void validate(const AdamOptions& o, std::string_view who) {
  ATTEND_CHECK(o.beta1 >= 0 && o.beta1 < 1, "{}: beta1 must be in [0, 1), got {}", who, o.beta1);
  ATTEND_CHECK(o.beta2 >= 0 && o.beta2 < 1, "{}: beta2 must be in [0, 1), got {}", who, o.beta2);
  ATTEND_CHECK(std::isfinite(o.eps) && o.eps >= 0, "{}: eps must be >= 0, got {}", who, o.eps);
  ATTEND_CHECK(std::isfinite(o.weight_decay) && o.weight_decay >= 0, "{}: weight_decay must be >= 0, got {}", who,
               o.weight_decay);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Optimizer

Optimizer::Optimizer(NamedTensors params, double lr) : params_(std::move(params)), lr_(lr) {
  check_lr(lr, "optimizer");
  ATTEND_CHECK(!params_.empty(), "optimizer: no parameters given");
  std::set<std::string> names;
  std::set<const TensorImpl*> impls;
  for (const auto& [name, p] : params_) {
    ATTEND_CHECK(!name.empty(), "optimizer: a parameter has an empty name");
    ATTEND_CHECK(names.insert(name).second, "optimizer: parameter '{}' given twice", name);
    ATTEND_CHECK(p.defined(), "optimizer: parameter '{}' is undefined", name);
    ATTEND_CHECK(impls.insert(p.impl()).second, "optimizer: parameter '{}' is the same tensor as an earlier one",
                 name);
    ATTEND_CHECK(is_floating(p.dtype()), "optimizer: parameter '{}' is {}, expected float32 or float64", name,
                 dtype_name(p.dtype()));
    ATTEND_CHECK(p.is_contiguous(), "optimizer: parameter '{}' {} is not contiguous", name, p.shape());
  }
  slots_.resize(params_.size());
}

void Optimizer::set_lr(double lr) {
  check_lr(lr, kind());
  lr_ = lr;
}

void Optimizer::step() {
  const size_t buffers = buffer_count();
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& [name, param] = params_[i];
    Tensor grad = param.grad();
    if (!grad.defined()) continue;
    ATTEND_CHECK(grad.shape() == param.shape() && grad.dtype() == param.dtype(),
                 "{}: gradient of '{}' is {} {} but the parameter is {} {}", kind(), name, dtype_name(grad.dtype()),
                 grad.shape(), dtype_name(param.dtype()), param.shape());
    if (!grad.is_contiguous()) grad = grad.copy();
    Slot& slot = slots_[i];
    if (slot.buffers.size() != buffers) {
      slot.buffers.clear();
      for (size_t b = 0; b < buffers; ++b) slot.buffers.push_back(Tensor::zeros(param.shape(), param.dtype()));
    }
    ++slot.steps;
    update(slot, param, grad);
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) p.zero_grad();
}

NamedTensors Optimizer::state_tensors() const {
  NamedTensors out;
  const std::vector<std::string> buffers = buffer_names();
  for (size_t i = 0; i < params_.size(); ++i) {
    const Slot& slot = slots_[i];
    if (slot.steps == 0 || slot.buffers.size() != buffers.size()) continue;
    for (size_t b = 0; b < buffers.size(); ++b)
      out.emplace_back(std::string(kind()) + "." + buffers[b] + "." + params_[i].first, slot.buffers[b]);
  }
  return out;
}

json Optimizer::state_json() const {
  json steps = json::object();
  for (size_t i = 0; i < params_.size(); ++i) steps[params_[i].first] = slots_[i].steps;
  return json{{"type", kind()},
              {"lr", lr_},
              {"step", steps_},
              {"hyperparameters", hyperparameters()},
              {"param_steps", std::move(steps)}};
}

void Optimizer::load_state(const json& scalars, const NamedTensors& tensors) {
  const std::string ctx = fmt::format("optimizer state ({})", kind());
  ATTEND_CHECK(scalars.is_object(), "{}: expected a JSON object, got {}", ctx, scalars.type_name());
  jf::only_keys(scalars, ctx, {"type", "lr", "step", "hyperparameters", "param_steps"});
  const std::string type = jf::string(jf::require(scalars, ctx, "type"), ctx, "type");
  ATTEND_CHECK(type == kind(), "{}: the state was saved by a '{}' optimizer", ctx, type);
  const double lr = jf::number(jf::require(scalars, ctx, "lr"), ctx, "lr");
  check_lr(lr, ctx);
  const int64_t steps = jf::integer(jf::require(scalars, ctx, "step"), ctx, "step");
  ATTEND_CHECK(steps >= 0, "{}: 'step' must be >= 0, got {}", ctx, steps);

  const json& param_steps = jf::require(scalars, ctx, "param_steps");
  ATTEND_CHECK(param_steps.is_object(), "{}: 'param_steps' must be an object", ctx);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < params_.size(); ++i) index[params_[i].first] = i;
  std::vector<int64_t> new_steps(params_.size(), 0);
  for (auto it = param_steps.begin(); it != param_steps.end(); ++it)
    ATTEND_CHECK(index.count(it.key()), "{}: 'param_steps' names '{}', which is not a parameter of this optimizer",
                 ctx, it.key());
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].first;
    auto it = param_steps.find(name);
    ATTEND_CHECK(it != param_steps.end(), "{}: 'param_steps' has no entry for parameter '{}'", ctx, name);
    new_steps[i] = jf::integer(*it, ctx, "param_steps");
    ATTEND_CHECK(new_steps[i] >= 0 && new_steps[i] <= steps,
                 "{}: parameter '{}' has {} steps, outside [0, step = {}]", ctx, name, new_steps[i], steps);
  }

  // The buffers the state must hold depend on the hyperparameters (SGD keeps one only with momentum),
  // so apply those first and put them back if the tensors do not fit.
  const json old_hyper = hyperparameters();
  set_hyperparameters(jf::require(scalars, ctx, "hyperparameters"));
  std::vector<Slot> new_slots(params_.size());
  try {
    const std::vector<std::string> buffers = buffer_names();
    for (size_t i = 0; i < params_.size(); ++i) {
      new_slots[i].steps = new_steps[i];
      if (new_steps[i] > 0) new_slots[i].buffers.resize(buffers.size());
    }
    for (const auto& [name, t] : tensors) {
      size_t b = 0;
      std::string param_name;
      for (; b < buffers.size(); ++b) {
        const std::string prefix = std::string(kind()) + "." + buffers[b] + ".";
        if (starts_with(name, prefix)) {
          param_name = name.substr(prefix.size());
          break;
        }
      }
      ATTEND_CHECK(b < buffers.size() && index.count(param_name),
                   "{}: unexpected state tensor '{}' (expected {}.<buffer>.<parameter>)", ctx, name, kind());
      const size_t i = index[param_name];
      const Tensor& p = params_[i].second;
      ATTEND_CHECK(new_steps[i] > 0, "{}: state tensor '{}' given for a parameter with 0 steps", ctx, name);
      ATTEND_CHECK(!new_slots[i].buffers[b].defined(), "{}: state tensor '{}' given twice", ctx, name);
      ATTEND_CHECK(t.defined() && t.shape() == p.shape() && t.dtype() == p.dtype(),
                   "{}: state tensor '{}' is {} {} but parameter '{}' is {} {}", ctx, name,
                   t.defined() ? dtype_name(t.dtype()) : "undefined", t.defined() ? t.shape() : Shape{},
                   param_name, dtype_name(p.dtype()), p.shape());
      new_slots[i].buffers[b] = t.copy();
    }
    for (size_t i = 0; i < params_.size(); ++i)
      for (size_t b = 0; b < new_slots[i].buffers.size(); ++b)
        ATTEND_CHECK(new_slots[i].buffers[b].defined(), "{}: missing state tensor '{}.{}.{}'", ctx, kind(),
                     buffers[b], params_[i].first);
  } catch (...) {
    set_hyperparameters(old_hyper);
    throw;
  }
  lr_ = lr;
  steps_ = steps;
  slots_ = std::move(new_slots);
}

// ---------------------------------------------------------------------------------------------
// SGD

Sgd::Sgd(NamedTensors params, const SgdOptions& options) : Optimizer(std::move(params), options.lr), options_(options) {
  validate(options_);
}

std::vector<std::string> Sgd::buffer_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum"};
}

void Sgd::update(Slot& slot, Tensor& param, const Tensor& grad) {
  kernels::SgdParams k;
  k.lr = lr();
  k.momentum = options_.momentum;
  k.dampening = options_.dampening;
  k.weight_decay = options_.weight_decay;
  k.nesterov = options_.nesterov;
  k.first_step = slot.steps == 1;
  dispatch_float(param.dtype(), "sgd", [&]<class T>() {
    T* buf = slot.buffers.empty() ? nullptr : slot.buffers[0].data<T>();
    kernels::sgd_update<T>(k, param.numel(), param.data<T>(), grad.data<T>(), buf);
  });
}

json Sgd::hyperparameters() const {
  return json{{"momentum", options_.momentum},
              {"dampening", options_.dampening},
              {"weight_decay", options_.weight_decay},
              {"nesterov", options_.nesterov}};
}

void Sgd::set_hyperparameters(const json& h) {
  const char* ctx = "optimizer state (sgd): hyperparameters";
  jf::only_keys(h, ctx, {"momentum", "dampening", "weight_decay", "nesterov"});
  SgdOptions o = options_;
  o.momentum = jf::number(jf::require(h, ctx, "momentum"), ctx, "momentum");
  o.dampening = jf::number(jf::require(h, ctx, "dampening"), ctx, "dampening");
  o.weight_decay = jf::number(jf::require(h, ctx, "weight_decay"), ctx, "weight_decay");
  const json& nesterov = jf::require(h, ctx, "nesterov");
  ATTEND_CHECK(nesterov.is_boolean(), "{}: 'nesterov' must be true or false, got {}", ctx, json_excerpt(nesterov));
  o.nesterov = nesterov.get<bool>();
  validate(o);
  options_ = o;
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW

Adam::Adam(NamedTensors params, const AdamOptions& options) : Adam(std::move(params), options, false) {}

Adam::Adam(NamedTensors params, const AdamOptions& options, bool decoupled)
    : Optimizer(std::move(params), options.lr), options_(options), decoupled_(decoupled) {
  validate(options_, decoupled ? "adamw" : "adam");
}

AdamW::AdamW(NamedTensors params, const AdamOptions& options) : Adam(std::move(params), options, true) {}

void Adam::update(Slot& slot, Tensor& param, const Tensor& grad) {
  kernels::AdamParams k;
  k.lr = lr();
  k.beta1 = options_.beta1;
  k.beta2 = options_.beta2;
  k.eps = options_.eps;
  k.weight_decay = options_.weight_decay;
  k.decoupled_weight_decay = decoupled_;
  k.step = slot.steps;
  dispatch_float(param.dtype(), kind(), [&]<class T>() {
    kernels::adam_update<T>(k, param.numel(), param.data<T>(), grad.data<T>(), slot.buffers[0].data<T>(),
                            slot.buffers[1].data<T>());
  });
}

json Adam::hyperparameters() const {
  return json{{"betas", {options_.beta1, options_.beta2}}, {"eps", options_.eps},
              {"weight_decay", options_.weight_decay}};
}

void Adam::set_hyperparameters(const json& h) {
  const std::string ctx = fmt::format("optimizer state ({}): hyperparameters", kind());
  jf::only_keys(h, ctx, {"betas", "eps", "weight_decay"});
  AdamOptions o = options_;
  const json& betas = jf::require(h, ctx, "betas");
  ATTEND_CHECK(betas.is_array() && betas.size() == 2, "{}: 'betas' must be [beta1, beta2], got {}", ctx,
               json_excerpt(betas));
  o.beta1 = jf::number(betas[0], ctx, "betas");
  o.beta2 = jf::number(betas[1], ctx, "betas");
  o.eps = jf::number(jf::require(h, ctx, "eps"), ctx, "eps");
  o.weight_decay = jf::number(jf::require(h, ctx, "weight_decay"), ctx, "weight_decay");
  validate(o, kind());
  options_ = o;
}

// ---------------------------------------------------------------------------------------------
// Factory

std::unique_ptr<Optimizer> make_optimizer(std::string_view type, const json& options, NamedTensors params) {
  const std::string ctx = fmt::format("optimizer '{}'", type);
  const json opts = options.is_null() ? json::object() : options;
  auto num = [&](const char* key, double fallback) {
    auto it = opts.find(key);
    return it == opts.end() ? fallback : jf::number(*it, ctx, key);
  };
  if (type == "sgd") {
    jf::only_keys(opts, ctx, {"lr", "momentum", "dampening", "weight_decay", "nesterov"});
    SgdOptions o;
    o.lr = num("lr", o.lr);
    o.momentum = num("momentum", o.momentum);
    o.dampening = num("dampening", o.dampening);
    o.weight_decay = num("weight_decay", o.weight_decay);
    if (auto it = opts.find("nesterov"); it != opts.end()) {
      ATTEND_CHECK(it->is_boolean(), "{}: 'nesterov' must be true or false, got {}", ctx, json_excerpt(*it));
      o.nesterov = it->get<bool>();
    }
    return std::make_unique<Sgd>(std::move(params), o);
  }
  if (type == "adam" || type == "adamw") {
    jf::only_keys(opts, ctx, {"lr", "betas", "eps", "weight_decay"});
    AdamOptions o = type == "adamw" ? AdamW::default_options() : AdamOptions{};
    o.lr = num("lr", o.lr);
    if (auto it = opts.find("betas"); it != opts.end()) {
      ATTEND_CHECK(it->is_array() && it->size() == 2, "{}: 'betas' must be [beta1, beta2], got {}", ctx, json_excerpt(*it));
      o.beta1 = jf::number((*it)[0], ctx, "betas");
      o.beta2 = jf::number((*it)[1], ctx, "betas");
    }
    o.eps = num("eps", o.eps);
    o.weight_decay = num("weight_decay", o.weight_decay);
    if (type == "adamw") return std::make_unique<AdamW>(std::move(params), o);
    return std::make_unique<Adam>(std::move(params), o);
  }
  ATTEND_FAIL("optimizer: unknown type '{}' (known: sgd, adam, adamw)", type);
}

}  // namespace attend::nn
