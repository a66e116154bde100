#include "ui/training/MemoryUsage.h"

#include <QByteArray>
#include <QFile>
#include <QList>

#include <dlfcn.h>
#include <mutex>

namespace clipwb::ui {
namespace {

// The few NVML entry points used, with their C signatures (nvml.h).
struct NvmlMemory {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};
using NvmlDevice = void*;
using InitFn = int (*)();
using HandleFn = int (*)(unsigned int, NvmlDevice*);
using MemoryFn = int (*)(NvmlDevice, NvmlMemory*);
using NameFn = int (*)(NvmlDevice, char*, unsigned int);

struct Nvml {
    HandleFn handleByIndex = nullptr;
    MemoryFn memoryInfo = nullptr;
    NameFn name = nullptr;
    bool ready = false;
};

const Nvml& nvml()
{
    static Nvml library;
    static std::once_flag once;
    std::call_once(once, [] {
        void* handle = dlopen("libnvidia-ml.so.1", RTLD_LAZY | RTLD_LOCAL);
        if (!handle)
            return;
        const auto init = reinterpret_cast<InitFn>(dlsym(handle, "nvmlInit_v2"));
        library.handleByIndex = reinterpret_cast<HandleFn>(dlsym(handle, "nvmlDeviceGetHandleByIndex_v2"));
        library.memoryInfo = reinterpret_cast<MemoryFn>(dlsym(handle, "nvmlDeviceGetMemoryInfo"));
        library.name = reinterpret_cast<NameFn>(dlsym(handle, "nvmlDeviceGetName"));
        library.ready = init && library.handleByIndex && library.memoryInfo && init() == 0;
    });
    return library;
}

// NVML numbers every device; CUDA only the visible ones, in CUDA_VISIBLE_DEVICES order.
int physicalIndex(int cudaIndex)
{
    const QByteArray visible = qgetenv("CUDA_VISIBLE_DEVICES");
    if (visible.isEmpty())
        return cudaIndex;
    const QList<QByteArray> parts = visible.split(',');
    if (cudaIndex < 0 || cudaIndex >= parts.size())
        return -1;
    bool ok = false;
    const int index = parts[cudaIndex].trimmed().toInt(&ok);
    return ok ? index : -1; // UUIDs: not resolved here
}

} // namespace

qint64 processResidentBytes()
{
    // procfs files report size 0: read them whole rather than up to atEnd().
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (!line.startsWith("VmRSS:"))
            continue;
        const QList<QByteArray> fields = line.mid(6).simplified().split(' ');
        bool ok = false;
        const qint64 kib = fields.value(0).toLongLong(&ok);
        return ok ? kib * 1024 : -1;
    }
    return -1;
}

DeviceMemory cudaDeviceMemory(int cudaIndex)
{
    DeviceMemory result;
    const Nvml& library = nvml();
    const int index = physicalIndex(cudaIndex);
    if (!library.ready || index < 0)
        return result;
    NvmlDevice device = nullptr;
    if (library.handleByIndex(static_cast<unsigned int>(index), &device) != 0)
        return result;
    NvmlMemory memory{};
    if (library.memoryInfo(device, &memory) != 0)
        return result;
    result.available = true;
    result.usedBytes = static_cast<qint64>(memory.used);
    result.totalBytes = static_cast<qint64>(memory.total);
    char name[96] = {};
    if (library.name && library.name(device, name, sizeof name) == 0)
        result.name = QString::fromLocal8Bit(name);
    return result;
}

} // namespace clipwb::ui
