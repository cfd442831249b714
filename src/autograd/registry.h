// Registry of differentiable op names. Every op file registers its ops with ATTEND_REGISTER_OP; the test
// suite walks this list and fails for any op that has no gradient check.
#pragma once
#include <string>
#include <vector>

namespace attend {

struct OpRegistration {
  explicit OpRegistration(const char* name);
};
std::vector<std::string> registered_ops();  // sorted, unique

}  // namespace attend

#define ATTEND_OP_CONCAT_INNER(a, b) a##b
#define ATTEND_OP_CONCAT(a, b) ATTEND_OP_CONCAT_INNER(a, b)
#define ATTEND_REGISTER_OP(name) \
  static const ::attend::OpRegistration ATTEND_OP_CONCAT(attend_op_registration_, __LINE__)(name)
