#include "model/CpuGemm.h"

#include "model/GemmBackendChoice.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/record_function.h>
#include <torch/version.h>

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::model {
namespace {

// oneDNN's C API (dnnl.h): row-major C = alpha * op(A) op(B) + beta * C; returns dnnl_success (0).
using SgemmFunction = int (*)(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha,
                              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                              int64_t ldc);

/// Whether `sgemm` computes a small product right (a oneDNN that cannot run here says "unimplemented").
bool sgemmWorks(SgemmFunction sgemm)
{
    const float a[6] = {1, 2, 3, 4, 5, 6};    // [2, 3]
    const float b[6] = {7, 8, 9, 10, 11, 12}; // [3, 2]
    float c[4] = {0, 0, 0, 0};
    return sgemm('N', 'N', 2, 2, 3, 1.0F, a, 3, b, 2, 0.0F, c, 2) == 0 && c[0] == 58 && c[1] == 64 &&
           c[2] == 139 && c[3] == 154;
}

/// Where this process's sgemm comes from (see sgemmFunction()).
enum class SgemmSource { None, LibTorch, System };

struct Sgemm {
    SgemmFunction function = nullptr;
    SgemmSource source = SgemmSource::None;
    std::string library; ///< the file dlopen() found, for the system's oneDNN
};

/// CLIPWB_SYSTEM_ONEDNN=0 keeps the system's oneDNN out (ATen's BLAS then serves every product).
bool systemOneDnnAllowed()
{
    const char* value = std::getenv("CLIPWB_SYSTEM_ONEDNN");
    return !value || std::strcmp(value, "0") != 0;
}

const Sgemm& sgemm()
{
    static const Sgemm found = [] {
        // Debian's LibTorch links libdnnl.so.2 and exports dnnl_sgemm.
        if (void* exported = dlsym(RTLD_DEFAULT, "dnnl_sgemm"))
            if (sgemmWorks(reinterpret_cast<SgemmFunction>(exported)))
                return Sgemm{reinterpret_cast<SgemmFunction>(exported), SgemmSource::LibTorch, {}};
        // PyPI's LibTorch links oneDNN statically with its symbols hidden: the system's oneDNN
        // (Debian's libdnnl2, which Debian's LibTorch brings) serves instead when it is installed.
        // Loaded privately and bound to its own symbols first (RTLD_DEEPBIND: LibTorch exports some
        // of its oneDNN's C++ symbols, and binding to those made every product "unimplemented");
        // its OpenMP runtime is the libgomp.so.1 already in the process. Every process of a build
        // must make the same choice, or a run resumed in the GUI's process and one in clipwb-cli's
        // differ at float rounding: the choice depends only on the machine and the environment.
        if (!systemOneDnnAllowed())
            return Sgemm{};
        for (const char* name : {"libdnnl.so.3", "libdnnl.so.2"}) {
            void* library = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
            if (!library)
                continue;
            if (void* symbol = dlsym(library, "dnnl_sgemm"))
                if (sgemmWorks(reinterpret_cast<SgemmFunction>(symbol)))
                    return Sgemm{reinterpret_cast<SgemmFunction>(symbol), SgemmSource::System, name};
            dlclose(library);
        }
        return Sgemm{};
    }();
    return found;
}

SgemmFunction sgemmFunction()
{
    return sgemm().function;
}

CpuGemmMode modeFromEnvironment()
{
    const char* choice = std::getenv("CLIPWB_CPU_GEMM");
    if (choice && std::strcmp(choice, "aten") == 0)
        return CpuGemmMode::Aten;
    if (choice && std::strcmp(choice, "onednn") == 0)
        return CpuGemmMode::OneDnn;
    return CpuGemmMode::Measured;
}

std::atomic<CpuGemmMode> g_mode{modeFromEnvironment()};

bool cpuAutocastEnabled()
{
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    return at::autocast::is_autocast_enabled(at::kCPU);
#else
    return at::autocast::is_cpu_enabled();
#endif
}

bool eligible(std::initializer_list<const torch::Tensor*> tensors)
{
    if (g_mode.load(std::memory_order_relaxed) == CpuGemmMode::Aten)
        return false;
    // The tensors first: a CUDA run never looks for (or loads) a oneDNN.
    for (const torch::Tensor* t : tensors) {
        if (!t->defined())
            continue;
        if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat || t->layout() != torch::kStrided ||
            t->numel() == 0 || t->is_conj() || t->is_neg())
            return false;
    }
    return sgemmFunction() && !cpuAutocastEnabled();
}

/// How sgemm reads a [rows, cols] matrix with these strides: row-major (cols contiguous) or
/// transposed (rows contiguous), with its leading dimension.
struct MatrixLayout {
    bool transposed = false;
    int64_t ld = 1;
};

std::optional<MatrixLayout> layoutOf(const torch::Tensor& t)
{
    const int64_t rows = t.size(-2), cols = t.size(-1);
    const int64_t rowStride = t.stride(-2), colStride = t.stride(-1);
    if (colStride == 1 && (rows == 1 || rowStride >= std::max<int64_t>(cols, 1)))
        return MatrixLayout{false, rows == 1 ? std::max<int64_t>(cols, 1) : rowStride};
    if (rowStride == 1 && (cols == 1 || colStride >= std::max<int64_t>(rows, 1)))
        return MatrixLayout{true, cols == 1 ? std::max<int64_t>(rows, 1) : colStride};
    return std::nullopt;
}

/// t itself when sgemm can read its matrices in place, else a contiguous copy.
torch::Tensor operand(const torch::Tensor& t)
{
    return layoutOf(t) ? t : t.contiguous();
}

/// Element offsets of every matrix of t (all but the last two dimensions), row-major order.
std::vector<int64_t> batchOffsets(const torch::Tensor& t)
{
    std::vector<int64_t> offsets{0};
    for (int64_t d = 0; d + 2 < t.dim(); ++d) {
        std::vector<int64_t> next;
        next.reserve(offsets.size() * static_cast<size_t>(t.size(d)));
        for (const int64_t o : offsets)
            for (int64_t i = 0; i < t.size(d); ++i)
                next.push_back(o + i * t.stride(d));
        offsets = std::move(next);
    }
    return offsets;
}

/// c = alpha * a @ b + beta * c for a [..., M, K], b [..., K, N] (readable in place, see operand())
/// and a contiguous c [..., M, N] through oneDNN; batches in parallel, each product on one thread.
void oneDnnProduct(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor& c, double alpha,
                   double beta)
{
    const MatrixLayout la = *layoutOf(a);
    const MatrixLayout lb = *layoutOf(b);
    const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
    const std::vector<int64_t> offsetsA = batchOffsets(a);
    const std::vector<int64_t> offsetsB = batchOffsets(b);
    const float* pa = a.data_ptr<float>();
    const float* pb = b.data_ptr<float>();
    float* pc = c.data_ptr<float>();
    const SgemmFunction sgemm = sgemmFunction();
    const auto count = static_cast<int64_t>(offsetsA.size());
    const auto run = [&](int64_t i) {
        const int status =
            sgemm(la.transposed ? 'T' : 'N', lb.transposed ? 'T' : 'N', m, n, k, static_cast<float>(alpha),
                  pa + offsetsA[static_cast<size_t>(i)], la.ld, pb + offsetsB[static_cast<size_t>(i)], lb.ld,
                  static_cast<float>(beta), pc + i * m * n, n);
        TORCH_CHECK(status == 0, "dnnl_sgemm failed with status ", status, " for [", m, "x", k, "] @ [", k,
                    "x", n, "]");
    };
    if (count == 1) {
        run(0); // one product: oneDNN threads it itself
        return;
    }
    at::parallel_for(0, count, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            run(i);
    });
}

/// Whether ATen's BLAS keeps its own thread pool: Debian's LibTorch links the pthreads build of
/// OpenBLAS, whose threads and the OpenMP threads of oneDNN and ATen then fight for the same cores
/// (spinning and sched_yield: ~2 s of a ViT-B-16 step at batch 8 on 2 cores). The first call makes
/// OpenBLAS single-threaded; atenProduct() then spreads its products over ATen's OpenMP threads.
bool blasPoolRetired()
{
    static const bool retired = [] {
        using SetThreads = void (*)(int);
        const auto setThreads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
        if (!setThreads)
            return false; // MKL (PyPI's LibTorch) threads with the same OpenMP runtime as ATen
        setThreads(1);
        return true;
    }();
    return retired;
}

/// c = alpha * a @ b + beta * c for one matrix through ATen; beta == 0 never reads c.
void atenMatrixProduct(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor c, double alpha, double beta)
{
    if (beta != 0)
        c.addmm_(a, b, beta, alpha);
    else if (alpha != 1.0)
        at::addmm_out(c, c, a, b, 0.0, alpha);
    else
        at::mm_out(c, a, b);
}

/// The same through ATen (its BLAS: OpenBLAS in Debian's LibTorch, MKL in PyPI's), as
/// torch.nn.functional.linear and torch.matmul compute it; beta == 0 never reads c. With OpenBLAS's
/// own pool retired, the product is cut into one block of rows (or columns) per OpenMP thread, and
/// the matrices of a batch are shared out between them.
void atenProduct(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor& c, double alpha, double beta)
{
    const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
    const int64_t threads = at::in_parallel_region() ? 1 : at::get_num_threads();
    const bool pooled = threads > 1 && g_mode.load(std::memory_order_relaxed) == CpuGemmMode::Measured &&
                        blasPoolRetired();
    if (a.dim() == 2 && !pooled) {
        atenMatrixProduct(a, b, c, alpha, beta);
        return;
    }
    if (a.dim() == 2) {
        const bool byRows = m >= n;
        const int64_t extent = byRows ? m : n;
        const int64_t parts = std::min(threads, extent);
        at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
            for (int64_t part = begin; part < end; ++part) {
                const int64_t from = extent * part / parts, to = extent * (part + 1) / parts;
                if (byRows)
                    atenMatrixProduct(a.narrow(0, from, to - from), b, c.narrow(0, from, to - from), alpha, beta);
                else
                    atenMatrixProduct(a, b.narrow(1, from, to - from), c.narrow(1, from, to - from), alpha, beta);
            }
        });
        return;
    }
    torch::Tensor c3 = c.view({-1, m, n});
    const torch::Tensor a3 = a.reshape({-1, m, k}), b3 = b.reshape({-1, k, n});
    if (!pooled) {
        if (beta != 0)
            c3.baddbmm_(a3, b3, beta, alpha);
        else
            at::bmm_out(c3, a3, b3);
        if (beta == 0 && alpha != 1.0)
            c.mul_(alpha);
        return;
    }
    at::parallel_for(0, a3.size(0), 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            atenMatrixProduct(a3[i], b3[i], c3[i], alpha, beta);
    });
}

int64_t batchCount(const torch::Tensor& t)
{
    int64_t count = 1;
    for (int64_t d = 0; d + 2 < t.dim(); ++d)
        count *= t.size(d);
    return count;
}

/// c = alpha * a @ b + beta * c with the library chosen for this shape (GemmBackendChoice): the first
/// product of a shape times both on these operands and returns the result of the faster one, so
/// every product of a shape comes from one library.
void product(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor& c, double alpha, double beta)
{
    if (g_mode.load(std::memory_order_relaxed) != CpuGemmMode::Measured) {
        oneDnnProduct(a, b, c, alpha, beta);
        return;
    }
    GemmShape shape;
    shape.transA = layoutOf(a)->transposed;
    shape.transB = layoutOf(b)->transposed;
    shape.m = a.size(-2);
    shape.k = a.size(-1);
    shape.n = b.size(-1);
    shape.batch = batchCount(a);
    shape.threads = at::get_num_threads();
    GemmBackendChoice& choice = GemmBackendChoice::global();
    if (const auto known = choice.find(shape)) {
        // Named in profiles (bench_synthetic_train --profile): which library served which shape.
        RECORD_FUNCTION(std::string(*known == GemmBackend::Aten ? "clipwb::aten_gemm " : "clipwb::onednn_gemm ") +
                            shape.key(),
                        std::vector<c10::IValue>());
        if (*known == GemmBackend::Aten)
            atenProduct(a, b, c, alpha, beta);
        else
            oneDnnProduct(a, b, c, alpha, beta);
        return;
    }
    using Clock = std::chrono::steady_clock;
    const torch::Tensor initial = beta != 0 ? c.clone() : torch::Tensor(); // the bias both start from
    torch::Tensor other = torch::empty_like(c);
    const double flops = 2.0 * static_cast<double>(shape.m * shape.n * shape.k * shape.batch);
    // One untimed call of each first (oneDNN generates its kernels, OpenBLAS starts its threads:
    // costs later steps do not pay), then alternating, the best of each.
    if (initial.defined()) {
        c.copy_(initial);
        other.copy_(initial);
    }
    oneDnnProduct(a, b, c, alpha, beta);
    atenProduct(a, b, other, alpha, beta);
    const int rounds = flops < 5e7 ? 3 : 2;
    double oneDnnBest = 1e30, atenBest = 1e30;
    for (int round = 0; round < rounds; ++round) {
        if (initial.defined())
            c.copy_(initial);
        auto start = Clock::now();
        oneDnnProduct(a, b, c, alpha, beta);
        oneDnnBest = std::min(oneDnnBest, std::chrono::duration<double>(Clock::now() - start).count());
        if (initial.defined())
            other.copy_(initial);
        start = Clock::now();
        atenProduct(a, b, other, alpha, beta);
        atenBest = std::min(atenBest, std::chrono::duration<double>(Clock::now() - start).count());
    }
    if (choice.record(shape, oneDnnBest, atenBest) == GemmBackend::Aten)
        c.copy_(other);
}

class LinearFunction : public torch::autograd::Function<LinearFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 const torch::Tensor& weight, const torch::Tensor& bias, bool hasBias)
    {
        const int64_t in = weight.size(1), out = weight.size(0);
        const torch::Tensor rows = operand(x.reshape({-1, in}));
        const torch::Tensor w = operand(weight);
        torch::Tensor y = hasBias ? bias.expand({rows.size(0), out}).contiguous()
                                  : torch::empty({rows.size(0), out}, x.options());
        product(rows, w.t(), y, 1.0, hasBias ? 1.0 : 0.0);
        ctx->save_for_backward({rows, w});
        ctx->saved_data["hasBias"] = hasBias;
        ctx->saved_data["inputSizes"] = x.sizes().vec();
        std::vector<int64_t> outSizes = x.sizes().vec();
        outSizes.back() = out;
        return y.view(outSizes);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list gradOutputs)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& rows = saved[0];
        const torch::Tensor& w = saved[1];
        const torch::Tensor grad = operand(gradOutputs[0].reshape({-1, w.size(0)}));
        torch::Tensor gradInput, gradWeight, gradBias;
        if (ctx->needs_input_grad(0)) {
            gradInput = torch::empty({rows.size(0), w.size(1)}, grad.options());
            product(grad, w, gradInput, 1.0, 0.0);
            gradInput = gradInput.view(ctx->saved_data["inputSizes"].toIntVector());
        }
        if (ctx->needs_input_grad(1)) {
            gradWeight = torch::empty({w.size(0), w.size(1)}, grad.options());
            product(grad.t(), rows, gradWeight, 1.0, 0.0);
        }
        if (ctx->needs_input_grad(2) && ctx->saved_data["hasBias"].toBool())
            gradBias = grad.sum(0);
        return {gradInput, gradWeight, gradBias, torch::Tensor()};
    }
};

class ScaledMatmulFunction : public torch::autograd::Function<ScaledMatmulFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a,
                                 const torch::Tensor& b, double alpha)
    {
        const torch::Tensor left = operand(a);
        const torch::Tensor right = operand(b);
        std::vector<int64_t> sizes = a.sizes().vec();
        sizes.back() = b.size(-1);
        torch::Tensor c = torch::empty(sizes, a.options());
        product(left, right, c, alpha, 0.0);
        ctx->save_for_backward({left, right});
        ctx->saved_data["alpha"] = alpha;
        return c;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list gradOutputs)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& left = saved[0];
        const torch::Tensor& right = saved[1];
        const double alpha = ctx->saved_data["alpha"].toDouble();
        const torch::Tensor grad = operand(gradOutputs[0]);
        torch::Tensor gradLeft, gradRight;
        if (ctx->needs_input_grad(0)) {
            gradLeft = torch::empty(left.sizes(), grad.options());
            product(grad, right.transpose(-2, -1), gradLeft, alpha, 0.0);
        }
        if (ctx->needs_input_grad(1)) {
            gradRight = torch::empty(right.sizes(), grad.options());
            product(left.transpose(-2, -1), grad, gradRight, alpha, 0.0);
        }
        return {gradLeft, gradRight, torch::Tensor()};
    }
};

} // namespace

bool cpuGemmAvailable()
{
    return sgemmFunction() != nullptr;
}

std::string cpuGemmDescription()
{
    const Sgemm& found = sgemm();
    const CpuGemmMode mode = g_mode.load();
    if (mode == CpuGemmMode::Aten)
        return "ATen's linear and matmul (CLIPWB_CPU_GEMM=aten)";
    std::string onednn;
    switch (found.source) {
    case SgemmSource::None:
        return systemOneDnnAllowed()
                   ? "ATen's BLAS (no oneDNN sgemm: LibTorch hides its own and no system libdnnl.so.2 or .3 "
                     "loads; Debian's libdnnl2 package provides one)"
                   : "ATen's BLAS (CLIPWB_SYSTEM_ONEDNN=0: no oneDNN loaded)";
    case SgemmSource::LibTorch:
        onednn = "oneDNN's sgemm (LibTorch's libdnnl)";
        break;
    case SgemmSource::System:
        onednn = "oneDNN's sgemm (the system's " + found.library + "; CLIPWB_SYSTEM_ONEDNN=0 turns it off)";
        break;
    }
    return mode == CpuGemmMode::OneDnn ? onednn + " for every shape (CLIPWB_CPU_GEMM=onednn)"
                                       : onednn + " or ATen's BLAS, per shape the faster one as measured";
}

void setCpuGemmMode(CpuGemmMode mode)
{
    g_mode = mode;
}

CpuGemmMode cpuGemmMode()
{
    return g_mode.load();
}

bool cpuGemmEnabled()
{
    return g_mode.load() != CpuGemmMode::Aten && cpuGemmAvailable();
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias)
{
    if (!eligible({&x, &weight, &bias}) || x.dim() < 1 || weight.dim() != 2 || x.size(-1) != weight.size(1) ||
        (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0))))
        return torch::nn::functional::linear(x, weight, bias);
    at::internal::lazy_init_num_threads(); // this thread's OpenMP team size as at::set_num_threads says
    // A custom Function cannot take an undefined tensor: no bias travels as an empty one.
    return LinearFunction::apply(x, weight, bias.defined() ? bias : torch::empty({0}, x.options()),
                                 bias.defined());
}

torch::Tensor scaledMatmul(const torch::Tensor& a, const torch::Tensor& b, double alpha)
{
    bool fast = eligible({&a, &b}) && a.dim() >= 2 && a.dim() == b.dim() && a.size(-1) == b.size(-2);
    for (int64_t d = 0; fast && d + 2 < a.dim(); ++d)
        fast = a.size(d) == b.size(d);
    if (!fast) {
        const torch::Tensor product = torch::matmul(a, b);
        return alpha == 1.0 ? product : product * alpha;
    }
    at::internal::lazy_init_num_threads();
    return ScaledMatmulFunction::apply(a, b, alpha);
}

} // namespace clipwb::model
