// Every differentiable op in one include. Each family lives in autograd/ops/<family>.{h,cc}.
#pragma once
#include "autograd/ops/copy.h"
#include "autograd/ops/dropout.h"
#include "autograd/ops/index.h"
#include "autograd/ops/layer_norm.h"
#include "autograd/ops/linear.h"
#include "autograd/ops/loss.h"
#include "autograd/ops/matmul.h"
#include "autograd/ops/shape.h"
#include "autograd/ops/softmax.h"
#include "autograd/tape.h"
