// FUZZ_CHECK: an invariant a fuzz target asserts. Unlike assert() it stays on in every build, and
// it names the broken invariant before trapping, so libFuzzer saves the input that broke it.
#pragma once

#include <cstdio>

#define FUZZ_CHECK(condition)                                                                  \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #condition); \
      __builtin_trap();                                                                        \
    }                                                                                          \
  } while (false)
