#pragma once
// What differs between the c10d of LibTorch 1.13 (Debian's libtorch-dev) and
// 2.x (PyPI's wheels), in one place. Included only by Collectives.cpp.
//
// - 1.13: ProcessGroupGloo/ProcessGroupNCCL derive from c10d::ProcessGroup.
//   2.x: they derive from c10d::Backend (ProcessGroup became a dispatcher over
//   backends). Both bases have the same collective methods, so the code holds
//   the backend through the alias below and calls those.
// - Gloo needs the gloo headers: Debian's libgloo-dev for 1.13; PyPI's wheels
//   ship none, so a 2.x build has Gloo only where CMake found compatible ones
//   (CLIPWB_HAVE_C10D_GLOO). NCCL needs USE_C10D_NCCL (a CUDA LibTorch) and nccl.h.
#include <torch/version.h>

#if defined(CLIPWB_HAVE_C10D_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(CLIPWB_HAVE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#if defined(CLIPWB_HAVE_C10D_GLOO) || defined(CLIPWB_HAVE_C10D_NCCL)
#define CLIPWB_HAVE_C10D 1
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace clipwb::dist::compat {

#if defined(CLIPWB_HAVE_C10D)
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif
#endif

} // namespace clipwb::dist::compat
