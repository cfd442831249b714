// Storage for the op-name registry.
#include "autograd/registry.h"

#include <algorithm>

namespace attend {
namespace {
std::vector<std::string>& names() {
  static auto* v = new std::vector<std::string>();
  return *v;
}
}  // namespace

OpRegistration::OpRegistration(const char* name) { names().emplace_back(name); }

std::vector<std::string> registered_ops() {
  std::vector<std::string> v = names();
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace attend
