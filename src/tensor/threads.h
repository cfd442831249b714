// Thread settings: one knob for OpenMP (and so oneDNN, which uses the OpenMP runtime).
// Default: ATTEND_THREADS if set, else every core.
#pragma once

namespace attend {

// Sets the number of threads used by kernels and GEMMs. n <= 0 means "all cores".
void set_num_threads(int n);
int num_threads();
// Applies ATTEND_THREADS from the environment (called by the CLI at start-up). Returns the count in use.
int init_threads_from_env();

}  // namespace attend
