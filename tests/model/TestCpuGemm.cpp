// The oneDNN sgemm path of the model's matrix products (model/CpuGemm.h) against
// ATen's ops: same values to float rounding, same gradients, strided operands
// (heads sliced out of a packed projection), fallbacks, and the whole CLIP
// forward/backward with the path on and off; bf16 autocast with gradient
// checkpointing (the recomputation re-enters the forward's autocast). The
// measured choice of library per shape (model/GemmBackendChoice.h): the result
// is exactly the chosen library's, choices persist in the cache file and are
// read back (first line wins, other machines' and damaged lines ignored).
#include "model/Clip.h"
#include "model/CpuGemm.h"
#include "model/GemmBackendChoice.h"
#include "model/ModelConfig.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>
#include <QTemporaryDir>
#include <QTest>

#include <dlfcn.h>

#include <fstream>
#include <sstream>

using namespace clipwb;

namespace {

double maxDifference(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

/// Empty when model::linear agrees with torch's linear in value (1e-4) and in the gradients of
/// input, weight and bias (1e-3 relative to the largest); else what differs.
std::string linearMismatch(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b)
{
    const auto fast = model::linear(x, w, b);
    const auto reference = torch::nn::functional::linear(x, w, b);
    if (fast.sizes() != reference.sizes())
        return "sizes differ";
    if (maxDifference(fast, reference) >= 1e-4)
        return "values differ by " + std::to_string(maxDifference(fast, reference));
    const auto gradOut = torch::randn(fast.sizes());
    const auto fastGrads = torch::autograd::grad({fast}, {x, w, b}, {gradOut});
    const auto referenceGrads = torch::autograd::grad({reference}, {x, w, b}, {gradOut});
    for (size_t i = 0; i < 3; ++i)
        if (maxDifference(fastGrads[i], referenceGrads[i]) >= 1e-3 * (1 + referenceGrads[i].abs().max().item<double>()))
            return "gradient " + std::to_string(i) + " differs by " +
                   std::to_string(maxDifference(fastGrads[i], referenceGrads[i]));
    return {};
}

/// Restores the default (measured per shape) whatever a test does.
/// CPU autocast to bf16 on or off (LibTorch 2.4 renamed the per-device calls).
void setCpuAutocast(bool enabled)
{
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCPU, enabled);
    at::autocast::set_autocast_dtype(at::kCPU, torch::kBFloat16);
#else
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
#endif
}

struct GemmSwitch {
    explicit GemmSwitch(model::CpuGemmMode mode) { model::setCpuGemmMode(mode); }
    explicit GemmSwitch(bool oneDnn)
        : GemmSwitch(oneDnn ? model::CpuGemmMode::OneDnn : model::CpuGemmMode::Aten)
    {
    }
    ~GemmSwitch() { model::setCpuGemmMode(model::CpuGemmMode::Measured); }
};

std::string readText(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

class TestCpuGemm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        if (!model::cpuGemmAvailable())
            QSKIP("oneDNN's dnnl_sgemm is not exported by this LibTorch: the ATen path is the only one");
        // The process-wide choice keeps its file here (read once, on the first measured product).
        QVERIFY(m_cache.isValid());
        qputenv("CLIPWB_CACHE_DIR", m_cache.path().toUtf8());
        model::setCpuGemmMode(model::CpuGemmMode::OneDnn);
        QVERIFY(model::cpuGemmEnabled());
    }

    void linearMatchesAten()
    {
        GemmSwitch gemm(model::CpuGemmMode::OneDnn);
        torch::manual_seed(3);
        for (const auto& shape : std::vector<std::vector<int64_t>>{{5, 7}, {2, 9, 64}, {3, 1, 130}}) {
            const int64_t in = shape.back();
            auto x = torch::randn(shape, torch::requires_grad());
            auto w = torch::randn({33, in}, torch::requires_grad());
            auto b = torch::randn({33}, torch::requires_grad());
            const std::string mismatch = linearMismatch(x, w, b);
            QVERIFY2(mismatch.empty(), mismatch.c_str());
        }
        // No bias, a non-contiguous input (a transposed view).
        auto x = torch::randn({16, 12}).t();
        auto w = torch::randn({8, 16});
        QVERIFY(maxDifference(model::linear(x, w, {}), torch::nn::functional::linear(x, w, {})) < 1e-4);
    }

    void stridedBatchedProductMatchesAten()
    {
        GemmSwitch gemm(model::CpuGemmMode::OneDnn);
        torch::manual_seed(4);
        // q, k, v as the ViT slices them from one packed projection: [3, batch, heads, tokens, dim] views.
        const int64_t batch = 3, tokens = 17, heads = 2, dim = 8;
        auto packed = torch::randn({batch, tokens, 3 * heads * dim}, torch::requires_grad());
        const auto qkv = packed.view({batch, tokens, 3, heads, dim}).permute({2, 0, 3, 1, 4});
        const auto q = qkv[0], k = qkv[1];
        QVERIFY(!q.is_contiguous());
        const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
        const auto fast = model::scaledMatmul(q, k.transpose(-2, -1), scale);
        const auto upstream = torch::matmul(q, k.transpose(-2, -1)) * scale;
        QVERIFY2(maxDifference(fast, upstream) < 1e-4, std::to_string(maxDifference(fast, upstream)).c_str());
        const auto gradOut = torch::randn(fast.sizes());
        const auto fastGrad = torch::autograd::grad({fast}, {packed}, {gradOut})[0];
        const auto atenGrad = torch::autograd::grad({upstream}, {packed}, {gradOut})[0];
        QVERIFY2(maxDifference(fastGrad, atenGrad) < 1e-4,
                 std::to_string(maxDifference(fastGrad, atenGrad)).c_str());
        // Mismatched batch dimensions (broadcasting) fall back to ATen.
        const auto a = torch::randn({2, 3, 4, 5});
        const auto b = torch::randn({1, 3, 5, 6});
        QVERIFY(maxDifference(model::scaledMatmul(a, b, 2.0), torch::matmul(a, b) * 2.0) < 1e-5);
    }

    void otherDtypesAndAutocastUseAten()
    {
        const auto x = torch::randn({4, 8}, torch::kDouble);
        const auto w = torch::randn({3, 8}, torch::kDouble);
        QVERIFY(torch::equal(model::linear(x, w, {}), torch::nn::functional::linear(x, w, {})));
        // Under CPU autocast the product runs in bf16 as ATen's linear would.
        setCpuAutocast(true);
        const auto y = model::linear(torch::randn({4, 8}), torch::randn({3, 8}), {});
        setCpuAutocast(false);
        at::autocast::clear_cache();
        QCOMPARE(y.scalar_type(), torch::kBFloat16);
    }

    void clipForwardBackwardAgreeWithAten()
    {
        const auto config = model::loadModelConfig("Tiny-ViT", "Tiny-BERT");
        const auto lossAndGrads = [&](model::CpuGemmMode mode) {
            GemmSwitch gemm(mode);
            torch::manual_seed(7);
            model::Clip clip(config);
            clip->train();
            torch::manual_seed(8);
            const auto images = torch::randn({4, 3, 64, 64});
            auto texts = torch::randint(106, 2000, {4, 12});
            texts.index_put_({torch::indexing::Slice(), torch::indexing::Slice(9)}, 0);
            auto [img, txt, scale] = clip->forward(images, texts);
            const auto logits = scale * img.matmul(txt.t());
            const auto labels = torch::arange(4);
            const auto loss = (torch::nn::functional::cross_entropy(logits, labels) +
                               torch::nn::functional::cross_entropy(logits.t(), labels)) /
                              2;
            loss.backward();
            std::vector<torch::Tensor> grads;
            for (const auto& p : clip->parameters())
                grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
            return std::make_pair(loss.item<double>(), grads);
        };
        const auto aten = lossAndGrads(model::CpuGemmMode::Aten);
        for (const auto mode : {model::CpuGemmMode::OneDnn, model::CpuGemmMode::Measured}) {
            const auto fast = lossAndGrads(mode);
            QVERIFY2(std::abs(aten.first - fast.first) < 1e-5 * std::abs(aten.first),
                     (std::to_string(aten.first) + " vs " + std::to_string(fast.first)).c_str());
            for (size_t i = 0; i < aten.second.size(); ++i) {
                const double scale = 1 + aten.second[i].abs().max().item<double>();
                QVERIFY2(maxDifference(aten.second[i], fast.second[i]) < 1e-4 * scale,
                         std::to_string(i).c_str());
            }
        }
        // Measured twice, the same shapes give the same bits (the choice made on the first pass stays).
        const auto again = lossAndGrads(model::CpuGemmMode::Measured);
        const auto measured = lossAndGrads(model::CpuGemmMode::Measured);
        QCOMPARE(again.first, measured.first);
        for (size_t i = 0; i < again.second.size(); ++i)
            QVERIFY(torch::equal(again.second[i], measured.second[i]));
    }

    void measuredProductIsTheChosenLibrarys()
    {
        // Odd sizes no other test uses: the first product of the shape measures both libraries.
        torch::manual_seed(11);
        const auto x = torch::randn({37, 48});
        const auto w = torch::randn({29, 48});
        const auto b = torch::randn({29});
        auto& choice = model::GemmBackendChoice::global();
        at::internal::lazy_init_num_threads();
        model::GemmShape shape;
        shape.transB = true; // x @ w^T with w read in place
        shape.m = 37;
        shape.n = 29;
        shape.k = 48;
        shape.threads = at::get_num_threads();
        QVERIFY(!choice.find(shape).has_value());
        torch::Tensor measured;
        {
            GemmSwitch gemm(model::CpuGemmMode::Measured);
            measured = model::linear(x, w, b);
        }
        const auto chosen = choice.find(shape);
        QVERIFY(chosen.has_value());
        torch::Tensor reference;
        if (*chosen == model::GemmBackend::OneDnn) {
            GemmSwitch gemm(model::CpuGemmMode::OneDnn);
            reference = model::linear(x, w, b);
        } else {
            reference = b.expand({37, 29}).contiguous().addmm_(x, w.t());
        }
        QVERIFY(torch::equal(measured, reference));
        {
            GemmSwitch gemm(model::CpuGemmMode::Measured); // known now: no second measurement, same bits
            const size_t known = choice.size();
            QVERIFY(torch::equal(model::linear(x, w, b), reference));
            QCOMPARE(choice.size(), known);
        }
        // The file holds the choice, and a new process (here: a new instance) reads it back.
        const auto file = std::filesystem::path(m_cache.path().toStdString()) / "gemm-backends.tsv";
        QCOMPARE(choice.file(), file);
        std::string field = "\t";
        field += shape.key();
        field += '\t';
        QVERIFY2(readText(file).find(field) != std::string::npos, readText(file).c_str());
        model::GemmBackendChoice reread(file);
        QCOMPARE(reread.find(shape), chosen);
    }

    void atenChoicesShareAtensThreads()
    {
        // Shapes chosen for ATen run on ATen's OpenMP threads: the product cut into one block of rows
        // or columns per thread (a batch: matrices shared out), OpenBLAS's own pool retired. Odd sizes
        // no other test uses, recorded as ATen's before their first product.
        const int threadsBefore = at::get_num_threads();
        at::set_num_threads(2);
        auto& choice = model::GemmBackendChoice::global();
        const auto forceAten = [&](bool transA, bool transB, int64_t m, int64_t n, int64_t k, int64_t batch) {
            model::GemmShape shape;
            shape.transA = transA;
            shape.transB = transB;
            shape.m = m;
            shape.n = n;
            shape.k = k;
            shape.batch = batch;
            shape.threads = 2;
            QCOMPARE(choice.record(shape, 1.0, 0.01), model::GemmBackend::Aten);
        };
        GemmSwitch gemm(model::CpuGemmMode::Measured);
        torch::manual_seed(13);
        for (const auto& [rows, out] : std::vector<std::pair<int64_t, int64_t>>{{301, 77}, {23, 211}}) {
            const int64_t in = 45;
            forceAten(false, true, rows, out, in, 1);   // forward: x w^T
            forceAten(false, false, rows, in, out, 1);  // input gradient: g w
            forceAten(true, false, out, in, rows, 1);   // weight gradient: g^T x
            auto x = torch::randn({rows, in}, torch::requires_grad());
            auto w = torch::randn({out, in}, torch::requires_grad());
            auto b = torch::randn({out}, torch::requires_grad());
            const std::string mismatch = linearMismatch(x, w, b);
            QVERIFY2(mismatch.empty(), mismatch.c_str());
        }
        // A batch of scaled products (attention scores), heads read in place from a packed tensor.
        forceAten(false, true, 19, 19, 16, 6);
        const auto packed = torch::randn({2, 19, 3, 48});
        const auto q = packed.select(2, 0).view({2, 19, 3, 16}).permute({0, 2, 1, 3});
        const auto k = packed.select(2, 1).view({2, 19, 3, 16}).permute({0, 2, 1, 3});
        const auto scores = model::scaledMatmul(q, k.transpose(-2, -1), 0.25);
        const auto referenceScores = torch::matmul(q, k.transpose(-2, -1)) * 0.25;
        QVERIFY2(maxDifference(scores, referenceScores) < 1e-4,
                 std::to_string(maxDifference(scores, referenceScores)).c_str());
        // OpenBLAS (Debian's LibTorch) no longer starts threads of its own.
        using GetThreads = int (*)();
        if (const auto getThreads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
            QCOMPARE(getThreads(), 1);
        at::set_num_threads(threadsBefore);
    }

    void cacheFileFirstLineWinsAndDamageIsIgnored()
    {
        // The signature (CPU model, LibTorch version) as this process writes it, from a line of its own.
        QTemporaryDir dir;
        const auto file = std::filesystem::path(dir.path().toStdString()) / "choices.tsv";
        model::GemmShape probe;
        probe.m = probe.n = probe.k = 5;
        model::GemmBackendChoice writer(file);
        QCOMPARE(writer.record(probe, 1.0, 0.5), model::GemmBackend::Aten); // ATen 2x faster
        const std::string line = readText(file);
        const std::string signature = line.substr(0, line.find('\t'));
        QVERIFY(!signature.empty());

        model::GemmShape a = probe, b = probe, c = probe, d = probe;
        a.m = 6;
        b.m = 7;
        c.m = 8;
        d.m = 9;
        {
            std::ofstream out(file, std::ios::app);
            out << "garbage without tabs\n"
                << signature << "\t" << a.key() << "\tonednn\t1\t2\n"
                << signature << "\t" << a.key() << "\taten\t2\t1\n" // later line for the same key: ignored
                << "another-cpu\t" << b.key() << "\taten\t2\t1\n"   // another machine's choice
                << signature << "\t" << c.key() << "\tcuda\t2\t1\n" // unknown backend
                << signature << "\t" << d.key();                    // cut short (no backend)
        }
        model::GemmBackendChoice reader(file);
        QCOMPARE(reader.find(probe), std::optional(model::GemmBackend::Aten));
        QCOMPARE(reader.find(a), std::optional(model::GemmBackend::OneDnn));
        QVERIFY(!reader.find(b).has_value());
        QVERIFY(!reader.find(c).has_value());
        QVERIFY(!reader.find(d).has_value());
        // A made choice stays whatever a later measurement says; near ties keep oneDNN.
        QCOMPARE(reader.record(a, 2.0, 1.0), model::GemmBackend::OneDnn);
        QCOMPARE(reader.record(b, 1.0, 0.95), model::GemmBackend::OneDnn);
        QCOMPARE(reader.record(c, 1.0, 0.5), model::GemmBackend::Aten);
        // ...and the writer, which read the file before these lines, sees them when it looks again.
        QCOMPARE(writer.find(a), std::optional(model::GemmBackend::OneDnn));
        QCOMPARE(writer.find(c), std::optional(model::GemmBackend::Aten));
        // No file at all (no cache folder): choices live in memory only.
        model::GemmBackendChoice memoryOnly{std::filesystem::path()};
        QCOMPARE(memoryOnly.record(probe, 1.0, 0.1), model::GemmBackend::Aten);
        QCOMPARE(memoryOnly.find(probe), std::optional(model::GemmBackend::Aten));
    }

    void checkpointingReplaysAutocast()
    {
        // bf16 autocast on the CPU with gradient checkpointing: the recomputation in backward
        // must run under the forward's autocast, or the dtypes of the block disagree.
        const auto config = model::loadModelConfig("Tiny-ViT", "Tiny-BERT");
        const auto run = [&](bool checkpointing) {
            torch::manual_seed(9);
            model::Clip clip(config);
            clip->train();
            clip->setGradCheckpointing(checkpointing);
            torch::manual_seed(10);
            const auto images = torch::randn({2, 3, 64, 64});
            const auto texts = torch::randint(106, 2000, {2, 8});
            setCpuAutocast(true);
            at::autocast::increment_nesting();
            auto [img, txt, scale] = clip->forward(images, texts);
            const auto loss = (img.to(torch::kFloat) * txt.to(torch::kFloat)).sum();
            at::autocast::decrement_nesting();
            at::autocast::clear_cache();
            setCpuAutocast(false);
            loss.backward();
            return clip->visual()->parameters().front().grad().clone();
        };
        const auto plain = run(false);
        const auto checkpointed = run(true);
        QVERIFY(plain.defined() && checkpointed.defined());
        QVERIFY2(maxDifference(plain, checkpointed) < 1e-6 * (1 + plain.abs().max().item<double>()),
                 std::to_string(maxDifference(plain, checkpointed)).c_str());
    }

private:
    QTemporaryDir m_cache;
};

QTEST_GUILESS_MAIN(TestCpuGemm)
#include "TestCpuGemm.moc"
