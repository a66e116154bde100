#pragma once
// Whether this build and machine can train on CUDA, for code that must not
// include LibTorch (the Configuration page warns about fp16 on a CPU-only machine).
namespace clipwb::model {

/// CUDA devices LibTorch sees (0 on a CPU-only build or machine).
int cudaDeviceCount();

} // namespace clipwb::model
