#include "model/CudaDevices.h"

#include <torch/cuda.h>

namespace clipwb::model {

int cudaDeviceCount()
{
    return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
}

} // namespace clipwb::model
