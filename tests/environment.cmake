# Run by ctest after the discovered GoogleTest list is loaded (attend_tests_TESTS).
# ctest -j2 runs two tests at once: one OpenMP thread each (tests that need two set it themselves), and passive
# waiting, because spinning OpenMP threads on an oversubscribed machine slow a run down tenfold. ATTEND_PRECISION
# and ATTEND_THREADS are removed: a shell set up for a bf16 training must not change what the CLI tests see.
if(attend_tests_TESTS)
  set_tests_properties(${attend_tests_TESTS} PROPERTIES
                       ENVIRONMENT "OMP_NUM_THREADS=1;OMP_WAIT_POLICY=passive"
                       ENVIRONMENT_MODIFICATION "ATTEND_PRECISION=unset:;ATTEND_THREADS=unset:")
endif()
