// The oneDNN sgemm path of the model's matrix products (model/CpuGemm.h) against
// ATen's ops: same values to float rounding, same gradients, strided operands
// (heads sliced out of a packed projection), fallbacks, and the whole CLIP
// forward/backward with the path on and off; bf16 autocast with gradient
// checkpointing (the recomputation re-enters the forward's autocast).
#include "model/Clip.h"
#include "model/CpuGemm.h"
#include "model/ModelConfig.h"

#include <ATen/autocast_mode.h>
#include <QTest>

using namespace clipwb;

namespace {

double maxDifference(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

/// Restores the default (on when available) whatever a test does.
struct GemmSwitch {
    explicit GemmSwitch(bool on) { model::setCpuGemmEnabled(on); }
    ~GemmSwitch() { model::setCpuGemmEnabled(true); }
};

} // namespace

class TestCpuGemm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        if (!model::cpuGemmAvailable())
            QSKIP("oneDNN's dnnl_sgemm is not exported by this LibTorch: the ATen path is the only one");
        model::setCpuGemmEnabled(true);
        QVERIFY(model::cpuGemmEnabled());
    }

    void linearMatchesAten()
    {
        torch::manual_seed(3);
        for (const auto& shape : std::vector<std::vector<int64_t>>{{5, 7}, {2, 9, 64}, {3, 1, 130}}) {
            const int64_t in = shape.back();
            auto x = torch::randn(shape, torch::requires_grad());
            auto w = torch::randn({33, in}, torch::requires_grad());
            auto b = torch::randn({33}, torch::requires_grad());
            const auto fast = model::linear(x, w, b);
            const auto upstream = torch::nn::functional::linear(x, w, b);
            QCOMPARE(fast.sizes(), upstream.sizes());
            QVERIFY2(maxDifference(fast, upstream) < 1e-4,
                     std::to_string(maxDifference(fast, upstream)).c_str());
            const auto gradOut = torch::randn(fast.sizes());
            const auto fastGrads = torch::autograd::grad({fast}, {x, w, b}, {gradOut});
            const auto atenGrads = torch::autograd::grad({upstream}, {x, w, b}, {gradOut});
            for (size_t i = 0; i < 3; ++i)
                QVERIFY2(maxDifference(fastGrads[i], atenGrads[i]) <
                             1e-3 * (1 + atenGrads[i].abs().max().item<double>()),
                         std::to_string(i).c_str());
        }
        // No bias, a non-contiguous input (a transposed view).
        auto x = torch::randn({16, 12}).t();
        auto w = torch::randn({8, 16});
        QVERIFY(maxDifference(model::linear(x, w, {}), torch::nn::functional::linear(x, w, {})) < 1e-4);
    }

    void stridedBatchedProductMatchesAten()
    {
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
        at::autocast::set_cpu_enabled(true);
        at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
        const auto y = model::linear(torch::randn({4, 8}), torch::randn({3, 8}), {});
        at::autocast::set_cpu_enabled(false);
        at::autocast::clear_cache();
        QCOMPARE(y.scalar_type(), torch::kBFloat16);
    }

    void clipForwardBackwardAgreeWithAten()
    {
        const auto config = model::loadModelConfig("Tiny-ViT", "Tiny-BERT");
        const auto lossAndGrads = [&](bool fast) {
            GemmSwitch gemm(fast);
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
        const auto aten = lossAndGrads(false);
        const auto fast = lossAndGrads(true);
        QVERIFY2(std::abs(aten.first - fast.first) < 1e-5 * std::abs(aten.first),
                 (std::to_string(aten.first) + " vs " + std::to_string(fast.first)).c_str());
        for (size_t i = 0; i < aten.second.size(); ++i) {
            const double scale = 1 + aten.second[i].abs().max().item<double>();
            QVERIFY2(maxDifference(aten.second[i], fast.second[i]) < 1e-4 * scale, std::to_string(i).c_str());
        }
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
            at::autocast::set_cpu_enabled(true);
            at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
            at::autocast::increment_nesting();
            auto [img, txt, scale] = clip->forward(images, texts);
            const auto loss = (img.to(torch::kFloat) * txt.to(torch::kFloat)).sum();
            at::autocast::decrement_nesting();
            at::autocast::clear_cache();
            at::autocast::set_cpu_enabled(false);
            loss.backward();
            return clip->visual()->parameters().front().grad().clone();
        };
        const auto plain = run(false);
        const auto checkpointed = run(true);
        QVERIFY(plain.defined() && checkpointed.defined());
        QVERIFY2(maxDifference(plain, checkpointed) < 1e-6 * (1 + plain.abs().max().item<double>()),
                 std::to_string(maxDifference(plain, checkpointed)).c_str());
    }
};

QTEST_GUILESS_MAIN(TestCpuGemm)
#include "TestCpuGemm.moc"
