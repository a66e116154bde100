// Synchronised batch norm (use_bn_sync): two ranks, simulated by two threads
// that sum over each other through a rendezvous, each normalising half of a
// batch, compute what one batch norm computes over the whole batch: the same
// outputs, running statistics, input gradients, and weight and bias gradients
// that add up to the whole batch's. Without the sync each half is normalised on
// its own and the outputs differ: the check can fail. The ResNet tower with its
// batch norms synchronised matches the tower over the whole batch too.
#include "model/BatchNormSync.h"
#include "model/ModifiedResNet.h"

#include <QTest>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace clipwb::model;

namespace {

/// Two threads' all-reduce: each call waits for the other rank's call and both get rank 0's
/// tensor plus rank 1's (the same order on both, so the results are identical).
class TwoRankSum {
public:
    void sum(int rank, torch::Tensor& t)
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        const int round = m_round;
        m_parts[rank] = t.clone();
        if (++m_arrived == 2) {
            m_result = m_parts[0] + m_parts[1];
            m_arrived = 0;
            ++m_round;
            m_changed.notify_all();
        } else {
            m_changed.wait(lock, [&] { return m_round != round; });
        }
        t.copy_(m_result);
    }
    RankSum forRank(int rank)
    {
        return [this, rank](torch::Tensor& t) { sum(rank, t); };
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    torch::Tensor m_parts[2];
    torch::Tensor m_result;
    int m_arrived = 0;
    int m_round = 0;
};

torch::nn::BatchNorm2d makeNorm(int64_t channels)
{
    torch::nn::BatchNorm2d bn(channels);
    torch::NoGradGuard noGrad;
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.uniform_(-0.5, 0.5);
    bn->running_mean.uniform_(-0.1, 0.1);
    bn->running_var.uniform_(0.9, 1.1);
    return bn;
}

void copyState(torch::nn::Module& to, const torch::nn::Module& from)
{
    torch::NoGradGuard noGrad;
    auto target = to.named_parameters();
    for (const auto& p : from.named_parameters())
        target[p.key()].copy_(p.value());
    auto buffers = to.named_buffers();
    for (const auto& b : from.named_buffers())
        buffers[b.key()].copy_(b.value());
}

void expectClose(const torch::Tensor& a, const torch::Tensor& b, double tolerance, const char* what)
{
    const double worst = (a - b).abs().max().item<double>();
    const double scale = std::max(1.0, b.abs().max().item<double>());
    QVERIFY2(worst <= tolerance * scale,
             qPrintable(QStringLiteral("%1: largest difference %2").arg(what).arg(worst)));
}

} // namespace

class TestBatchNormSync : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        torch::manual_seed(20261203);
        at::set_num_threads(1);
    }

    void twoRanksNormaliseAsOneBatch()
    {
        const int64_t channels = 6;
        torch::nn::BatchNorm2d whole = makeNorm(channels);
        torch::nn::BatchNorm2d ranks[2] = {torch::nn::BatchNorm2d(channels),
                                           torch::nn::BatchNorm2d(channels)};
        for (auto& r : ranks)
            copyState(*r, *whole);
        // Uneven halves (3 and 5 images): the statistics weigh each rank by its count.
        const torch::Tensor x = torch::randn({8, channels, 5, 7}) * 3 + 2;
        const torch::Tensor upstreamGrad = torch::randn({8, channels, 5, 7});
        const torch::Tensor parts[2] = {x.narrow(0, 0, 3), x.narrow(0, 3, 5)};
        const torch::Tensor gradParts[2] = {upstreamGrad.narrow(0, 0, 3), upstreamGrad.narrow(0, 3, 5)};

        torch::Tensor xWhole = x.clone().requires_grad_(true);
        const torch::Tensor yWhole = whole(xWhole);
        (yWhole * upstreamGrad).sum().backward();

        TwoRankSum sum;
        BatchNormSync syncs[2] = {{sum.forRank(0)}, {sum.forRank(1)}};
        torch::Tensor y[2], gradX[2];
        std::thread threads[2];
        for (int r = 0; r < 2; ++r)
            threads[r] = std::thread([&, r] {
                torch::Tensor input = parts[r].clone().requires_grad_(true);
                y[r] = applyBatchNorm(ranks[r], input, syncs[r]);
                (y[r] * gradParts[r]).sum().backward();
                gradX[r] = input.grad();
            });
        for (auto& t : threads)
            t.join();

        expectClose(torch::cat({y[0], y[1]}), yWhole, 1e-5, "outputs");
        expectClose(torch::cat({gradX[0], gradX[1]}), xWhole.grad(), 1e-5, "input gradients");
        expectClose(ranks[0]->weight.grad() + ranks[1]->weight.grad(), whole->weight.grad(), 1e-5,
                    "weight gradients summed over the ranks");
        expectClose(ranks[0]->bias.grad() + ranks[1]->bias.grad(), whole->bias.grad(), 1e-5,
                    "bias gradients summed over the ranks");
        for (auto& r : ranks) {
            expectClose(r->running_mean, whole->running_mean, 1e-6, "running mean");
            expectClose(r->running_var, whole->running_var, 1e-6, "running variance");
            QCOMPARE(r->num_batches_tracked.item<int64_t>(), whole->num_batches_tracked.item<int64_t>());
        }
        // The control: each rank on its own is not the whole batch.
        torch::nn::BatchNorm2d alone(channels);
        copyState(*alone, *whole);
        const double apart = (alone(parts[0]) - yWhole.narrow(0, 0, 3)).abs().max().item<double>();
        QVERIFY2(apart > 1e-2, qPrintable(QString::number(apart)));
    }

    void evaluationUsesTheRunningStatisticsWithoutTheRanks()
    {
        torch::nn::BatchNorm2d bn = makeNorm(4);
        bn->eval();
        BatchNormSync sync{[](torch::Tensor&) { QFAIL("no sum in evaluation"); }};
        const torch::Tensor x = torch::randn({2, 4, 3, 3});
        QVERIFY(torch::equal(applyBatchNorm(bn, x, sync), bn(x)));
    }

    void resnetTowerOverTwoRanksMatchesTheWholeBatch()
    {
        ModifiedResNetOptions options;
        options.layers = {2, 1, 2, 1};
        options.width = 4;
        options.heads = 2;
        options.outputDim = 24;
        options.inputResolution = 64;
        ModifiedResNet whole(options);
        ModifiedResNet ranks[2] = {ModifiedResNet(options), ModifiedResNet(options)};
        for (auto& r : ranks)
            copyState(*r, *whole);
        const torch::Tensor images = torch::randn({6, 3, 64, 64});
        const torch::Tensor featureGrad = torch::randn({6, 24});
        (whole(images) * featureGrad).sum().backward();

        TwoRankSum sum;
        torch::Tensor features[2];
        std::thread threads[2];
        for (int r = 0; r < 2; ++r) {
            ranks[r]->synchroniseBatchNorm(sum.forRank(r));
            threads[r] = std::thread([&, r] {
                features[r] = ranks[r](images.narrow(0, 3 * r, 3));
                (features[r] * featureGrad.narrow(0, 3 * r, 3)).sum().backward();
            });
        }
        for (auto& t : threads)
            t.join();
        // Every parameter's gradient, summed over the ranks, is the whole batch's.
        auto wholeParams = whole->named_parameters();
        auto rank1Params = ranks[1]->named_parameters();
        int compared = 0;
        for (const auto& p : ranks[0]->named_parameters()) {
            const torch::Tensor summed = p.value().grad() + rank1Params[p.key()].grad();
            expectClose(summed, wholeParams[p.key()].grad(), 2e-4,
                        qPrintable(QString::fromStdString(p.key())));
            ++compared;
        }
        QVERIFY(compared > 20);
    }
};

QTEST_GUILESS_MAIN(TestBatchNormSync)
#include "TestBatchNormSync.moc"
