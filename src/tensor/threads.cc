// OpenMP thread-count control.
#include "tensor/threads.h"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "base/error.h"

namespace attend {

void set_num_threads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

int init_threads_from_env() {
  if (const char* v = std::getenv("ATTEND_THREADS"); v != nullptr && *v != '\0') {  // empty = unset
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    ATTEND_CHECK(end != v && *end == '\0' && n >= 0 && n <= 4096,
                 "threads: ATTEND_THREADS must be an integer in [0, 4096] (0 = all cores), got '{}'", v);
    set_num_threads(static_cast<int>(n));
  }
  return num_threads();
}

}  // namespace attend
