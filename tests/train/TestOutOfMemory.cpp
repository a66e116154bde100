// Out-of-memory failures of a training run: recognised as LibTorch reports them
// (c10::OutOfMemoryError; plain c10::Error messages of 1.13's CUDA allocator and
// of the CPU allocator), turned into one line that says what to change, and
// harmless: a real Trainer run that runs out of allocator memory in its first
// step fails with that line, leaves the run folder and its last checkpoint as
// they were, and the same process trains again afterwards. Memory runs out for
// real here: a CPU allocator with a limit (CpuAllocatorMeter) refuses the
// allocation the way LibTorch's allocators do.
#include "CpuAllocatorMeter.h"
#include "UpstreamRun.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "config/TrainConfig.h"
#include "train/OutOfMemory.h"
#include "train/Trainer.h"

#include <QTemporaryDir>
#include <QTest>

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using namespace clipwb;

class TestOutOfMemory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void recognisesLibTorchsOutOfMemoryErrors()
    {
        const c10::OutOfMemoryError oom(
            {"caller", "file.cpp", 1},
            "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.35 GiB total)");
        QVERIFY(train::isOutOfMemory(oom));
        // LibTorch 1.13's CUDA caching allocator and the CPU allocator throw plain c10::Error.
        const c10::Error cuda113({"caller", "file.cpp", 1},
                                 "CUDA out of memory. Tried to allocate 20.00 MiB");
        QVERIFY(train::isOutOfMemory(cuda113));
        const c10::Error cpu(
            {"caller", "file.cpp", 1},
            "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate "
            "memory: you tried to allocate 1099511627776 bytes. Error code 12 (Cannot allocate "
            "memory)");
        QVERIFY(train::isOutOfMemory(cpu));
        QVERIFY(!train::isOutOfMemory(std::runtime_error("checkpoint x.pt: not a zip file")));
        QVERIFY(!train::isOutOfMemory(Error("batch_size: out of range: 0")));
    }

    void messageSaysWhatToChange()
    {
        config::TrainConfig cfg;
        cfg.batch_size = 128;
        cfg.accum_freq = 1;
        cfg.grad_checkpointing = false;
        train::OutOfMemoryContext context;
        context.device = "cuda:0";
        context.precision = "fp32";
        context.phase = "training step 7";
        context.lastCheckpoint = "/runs/a/checkpoints/epoch_latest.pt";
        context.fusedAttention = true;
        const QString text = QString::fromStdString(train::outOfMemoryMessage(
            "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.35 GiB\n"
            "Exception raised from malloc at CUDACachingAllocator.cpp:1\nframe #0: ...",
            cfg, context));
        QVERIFY2(!text.contains(QLatin1Char('\n')), qPrintable(text));
        for (const char* part :
             {"out of GPU memory on cuda:0 in training step 7", "Tried to allocate 2.00 GiB",
              "batch_size (say 64, with accum_freq 2 to keep the global batch of 128)",
              "grad_checkpointing on", "precision amp or bf16", "use_flash_attention on",
              "config check --memory", "/runs/a/checkpoints/epoch_latest.pt"})
            QVERIFY2(text.contains(QLatin1String(part)),
                     qPrintable(QStringLiteral("%1\nlacks: %2").arg(text, part)));
        // In validation the batch to lower is valid_batch_size; advice already taken is not repeated.
        cfg.grad_checkpointing = true;
        context.validation = true;
        context.phase = "validation at step 40";
        context.precision = "bf16";
        const QString validation =
            QString::fromStdString(train::outOfMemoryMessage("out of memory", cfg, context));
        QVERIFY2(validation.contains(QLatin1String("valid_batch_size (say 32)")), qPrintable(validation));
        QVERIFY(!validation.contains(QLatin1String("grad_checkpointing on (recomputes")));
        QVERIFY(!validation.contains(QLatin1String("precision amp or bf16")));
    }

    void aRunOutOfMemoryFailsCleanlyAndLeavesItsCheckpoint()
    {
        auto& meter = CpuAllocatorMeter::install();
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path configPath = upstream_run::copyTrainFixture(root, "fp32_bs8");
        auto json = nlohmann::json::parse(readFile(configPath));
        json["device"] = "cpu";
        json["valid_step_interval"] = nullptr;
        json["valid_batch_size"] = 8;
        json["batch_size"] = 48;
        json["max_steps"] = 2;
        json["grad_checkpointing"] = false; // activations grow with the batch
        json["logs"] = (root / "runs").string();
        json["name"] = "oom";
        writeFileAtomic(configPath, json.dump(2));
        const config::TrainConfig first = config::requireValid(config::loadConfigFile(configPath));
        train::Trainer(first).run();

        const fs::path run = root / "runs" / "oom";
        const fs::path latest = run / "checkpoints" / "epoch_latest.pt";
        QVERIFY(fs::exists(latest));
        const std::string checkpointBefore = readFile(latest);
        const std::string metricsBefore = readFile(run / "metrics.jsonl");

        // The same run resumed (epoch_latest.pt): what its set-up needs (model, optimizer state,
        // the checkpoint read, loaders), measured by a validation-only pass of the same set-up...
        config::TrainConfig resumed = first;
        resumed.resume.reset();
        resumed.reset_data_offset = false;
        resumed.reset_optimizer = false;
        resumed.max_steps = 4;
        int64_t setup = 0;
        {
            const int64_t base = meter.current();
            meter.resetPeak();
            train::Trainer(resumed).evaluateOnly();
            setup = meter.peak() - base;
        }
        QVERIFY(setup > 0);
        // ...is all the memory it gets: the first training step (gradients, activations of 48 pairs)
        // runs out.
        meter.setLimit(meter.current() + setup + setup / 10);
        QString message;
        try {
            train::Trainer(resumed).run();
        } catch (const Error& e) {
            message = QString::fromStdString(e.what());
        }
        meter.setLimit(0);
        QVERIFY2(message.contains(QLatin1String("out of memory on cpu in training step 3")),
                 qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("batch_size (say 24, with accum_freq 2")),
                 qPrintable(message));
        QVERIFY2(message.contains(QString::fromStdString(latest.string())), qPrintable(message));
        QVERIFY(!message.contains(QLatin1String("Exception raised from")));
        QCOMPARE(readFile(latest), checkpointBefore);
        QCOMPARE(readFile(run / "metrics.jsonl"), metricsBefore);
        QVERIFY2(QString::fromStdString(readFile(run / "train.log"))
                     .contains(QLatin1String("out of memory on cpu")),
                 "train.log lacks the failure");

        // The same process trains on: the run resumes and finishes.
        train::Trainer(resumed).run();
        QCOMPARE(upstream_run::readRecords(run / "metrics.jsonl", "train").size(), size_t(4));
    }
};

QTEST_GUILESS_MAIN(TestOutOfMemory)
#include "TestOutOfMemory.moc"
