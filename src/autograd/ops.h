// Every differentiable op in one include. Each family lives in autograd/ops/<family>.{h,cc}.
#pragma once
#include "autograd/ops/copy.h"
#include "autograd/ops/matmul.h"
#include "autograd/tape.h"
