// FusedAdamW (the optimizer makeAdamW gives the Trainer) against LibTorch's
// torch::optim::AdamW: the same parameters, moments and step counts bit for bit
// over several steps of upstream's two groups on the Tiny CLIP, including a
// parameter whose gradient is missing in one step; the run-time self-check.
#include "model/Clip.h"
#include "model/ModelConfig.h"
#include "train/FusedAdamW.h"
#include "train/OptimizerStateKey.h"
#include "train/ParameterGroups.h"

#include <QTest>

using namespace clipwb;

class TestFusedAdamW : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void kernelVerifiedOnThisMachine()
    {
        // On x86-64 (AVX2 + FMA or the scalar fallback) the kernel must reproduce ATen.
        QVERIFY(train::FusedAdamW::cpuKernelVerified());
    }

    void bitIdenticalToLibTorchAdamW()
    {
        const auto config = model::loadModelConfig("Tiny-ViT", "Tiny-BERT");
        torch::manual_seed(5);
        model::Clip reference(config);
        torch::manual_seed(5);
        model::Clip candidate(config);
        const auto referenceGroups = train::splitParameterGroups(reference->named_parameters());
        const auto candidateGroups = train::splitParameterGroups(candidate->named_parameters());
        train::AdamWSettings settings;
        settings.lr = 5e-4;
        settings.beta1 = 0.9;
        settings.beta2 = 0.98;
        settings.eps = 1e-6;
        settings.weightDecay = 0.2;
        // The base class, set up exactly as makeAdamW sets up FusedAdamW.
        auto options = [&](double wd) {
            return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(settings.lr)
                                                                    .betas({settings.beta1, settings.beta2})
                                                                    .eps(settings.eps)
                                                                    .weight_decay(wd));
        };
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(referenceGroups.noDecay, options(0.0));
        groups.emplace_back(referenceGroups.decay, options(settings.weightDecay));
        torch::optim::AdamW base(groups, *options(settings.weightDecay));
        auto fused = train::makeAdamW(candidateGroups, settings);
        QVERIFY(dynamic_cast<train::FusedAdamW*>(fused.get()) != nullptr);

        const auto referenceParams = referenceGroups.all();
        const auto candidateParams = candidateGroups.all();
        QCOMPARE(referenceParams.size(), candidateParams.size());
        for (int step = 0; step < 4; ++step) {
            train::setLearningRate(base, settings.lr * (step + 1) / 4);
            train::setLearningRate(*fused, settings.lr * (step + 1) / 4);
            torch::manual_seed(100 + step);
            for (size_t i = 0; i < referenceParams.size(); ++i) {
                // Parameter 3 gets no gradient in step 1: both optimizers skip it.
                if (step == 1 && i == 3) {
                    const_cast<torch::Tensor&>(referenceParams[i]).mutable_grad() = torch::Tensor();
                    const_cast<torch::Tensor&>(candidateParams[i]).mutable_grad() = torch::Tensor();
                    continue;
                }
                const auto grad = torch::randn(referenceParams[i].sizes()) * 1e-2;
                const_cast<torch::Tensor&>(referenceParams[i]).mutable_grad() = grad.clone();
                const_cast<torch::Tensor&>(candidateParams[i]).mutable_grad() = grad.clone();
            }
            base.step();
            fused->step();
        }
        for (size_t i = 0; i < referenceParams.size(); ++i) {
            QVERIFY2(torch::equal(referenceParams[i], candidateParams[i]),
                     referenceGroups.allNames()[i].c_str());
            const auto& a = static_cast<torch::optim::AdamWParamState&>(
                *base.state().at(clipwb::train::optimizerStateKey(base.state(), referenceParams[i])));
            const auto& b = static_cast<torch::optim::AdamWParamState&>(
                *fused->state().at(clipwb::train::optimizerStateKey(fused->state(), candidateParams[i])));
            QCOMPARE(a.step(), b.step());
            QVERIFY(torch::equal(a.exp_avg(), b.exp_avg()));
            QVERIFY(torch::equal(a.exp_avg_sq(), b.exp_avg_sq()));
        }
        // The test can fail: one more step on one side only breaks the equality.
        fused->step();
        QVERIFY(!torch::equal(referenceParams.back(), candidateParams.back()));
    }
};

QTEST_GUILESS_MAIN(TestFusedAdamW)
#include "TestFusedAdamW.moc"
