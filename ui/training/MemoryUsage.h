#pragma once
// Memory figures for the training dashboard: this process's resident memory and
// a CUDA device's memory. The device is read through the NVIDIA management
// library, loaded at run time, so the workbench needs no CUDA to build or run.
#include <QString>

namespace clipwb::ui {

struct DeviceMemory {
    bool available = false; ///< false without libnvidia-ml or without that device
    qint64 usedBytes = 0;   ///< in use by every process on the device
    qint64 totalBytes = 0;
    QString name;           ///< e.g. "NVIDIA H100 80GB HBM3"
};

/// Resident set size of this process in bytes, -1 when unknown.
qint64 processResidentBytes();

/// Memory of CUDA device cudaIndex (as torch numbers it: CUDA_VISIBLE_DEVICES applies).
DeviceMemory cudaDeviceMemory(int cudaIndex);

} // namespace clipwb::ui
