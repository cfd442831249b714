// expect_error_containing: the call throws attend::Error and its message contains the given text.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"

namespace attend::testing {

template <class F>
void expect_error_containing(F&& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected an attend::Error containing \"" << text << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

}  // namespace attend::testing
