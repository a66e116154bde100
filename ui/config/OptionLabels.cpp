#include "ui/config/OptionLabels.h"

#include <QCoreApplication>
#include <QHash>

namespace clipwb::ui {

/// The label of an option: upstream's key made readable, with a few clearer names.
QString optionLabel(const std::string& key)
{
    static const QHash<QString, const char*> names = {
        {QStringLiteral("train_data"), QT_TRANSLATE_NOOP("ConfigPage", "Training data")},
        {QStringLiteral("val_data"), QT_TRANSLATE_NOOP("ConfigPage", "Validation data")},
        {QStringLiteral("num_workers"), QT_TRANSLATE_NOOP("ConfigPage", "Loader threads")},
        {QStringLiteral("valid_num_workers"), QT_TRANSLATE_NOOP("ConfigPage", "Validation loader threads")},
        {QStringLiteral("use_augment"), QT_TRANSLATE_NOOP("ConfigPage", "Augment images")},
        {QStringLiteral("context_length"), QT_TRANSLATE_NOOP("ConfigPage", "Context length")},
        {QStringLiteral("vision_model"), QT_TRANSLATE_NOOP("ConfigPage", "Vision model")},
        {QStringLiteral("text_model"), QT_TRANSLATE_NOOP("ConfigPage", "Text model")},
        {QStringLiteral("use_flash_attention"), QT_TRANSLATE_NOOP("ConfigPage", "Flash attention")},
        {QStringLiteral("grad_checkpointing"), QT_TRANSLATE_NOOP("ConfigPage", "Gradient checkpointing")},
        {QStringLiteral("mask_ratio"), QT_TRANSLATE_NOOP("ConfigPage", "Patch mask ratio")},
        {QStringLiteral("freeze_vision"), QT_TRANSLATE_NOOP("ConfigPage", "Freeze vision tower")},
        {QStringLiteral("clip_weight_path"), QT_TRANSLATE_NOOP("ConfigPage", "CLIP weights")},
        {QStringLiteral("bert_weight_path"), QT_TRANSLATE_NOOP("ConfigPage", "BERT weights")},
        {QStringLiteral("batch_size"), QT_TRANSLATE_NOOP("ConfigPage", "Batch size")},
        {QStringLiteral("valid_batch_size"), QT_TRANSLATE_NOOP("ConfigPage", "Validation batch size")},
        {QStringLiteral("lr"), QT_TRANSLATE_NOOP("ConfigPage", "Learning rate")},
        {QStringLiteral("wd"), QT_TRANSLATE_NOOP("ConfigPage", "Weight decay")},
        {QStringLiteral("beta1"), QT_TRANSLATE_NOOP("ConfigPage", "Adam β1")},
        {QStringLiteral("beta2"), QT_TRANSLATE_NOOP("ConfigPage", "Adam β2")},
        {QStringLiteral("eps"), QT_TRANSLATE_NOOP("ConfigPage", "Adam ε")},
        {QStringLiteral("warmup"), QT_TRANSLATE_NOOP("ConfigPage", "Warm-up steps")},
        {QStringLiteral("max_steps"), QT_TRANSLATE_NOOP("ConfigPage", "Max steps")},
        {QStringLiteral("max_epochs"), QT_TRANSLATE_NOOP("ConfigPage", "Max epochs")},
        {QStringLiteral("accum_freq"), QT_TRANSLATE_NOOP("ConfigPage", "Accumulation")},
        {QStringLiteral("precision"), QT_TRANSLATE_NOOP("ConfigPage", "Precision")},
        {QStringLiteral("skip_scheduler"), QT_TRANSLATE_NOOP("ConfigPage", "Constant learning rate")},
        {QStringLiteral("valid_step_interval"), QT_TRANSLATE_NOOP("ConfigPage", "Validate every N steps")},
        {QStringLiteral("valid_epoch_interval"), QT_TRANSLATE_NOOP("ConfigPage", "Validate every N epochs")},
        {QStringLiteral("save_step_frequency"), QT_TRANSLATE_NOOP("ConfigPage", "Save every N steps")},
        {QStringLiteral("save_epoch_frequency"), QT_TRANSLATE_NOOP("ConfigPage", "Save every N epochs")},
        {QStringLiteral("log_interval"), QT_TRANSLATE_NOOP("ConfigPage", "Log every N steps")},
        {QStringLiteral("report_training_batch_acc"),
         QT_TRANSLATE_NOOP("ConfigPage", "Training batch accuracy")},
        {QStringLiteral("resume"), QT_TRANSLATE_NOOP("ConfigPage", "Resume from")},
        {QStringLiteral("reset_optimizer"), QT_TRANSLATE_NOOP("ConfigPage", "Reset optimizer")},
        {QStringLiteral("reset_data_offset"), QT_TRANSLATE_NOOP("ConfigPage", "Reset data offset")},
        {QStringLiteral("distillation"), QT_TRANSLATE_NOOP("ConfigPage", "Distillation")},
        {QStringLiteral("teacher_model_name"), QT_TRANSLATE_NOOP("ConfigPage", "Teacher model")},
        {QStringLiteral("kd_loss_weight"), QT_TRANSLATE_NOOP("ConfigPage", "Distillation loss weight")},
        {QStringLiteral("skip_aggregate"), QT_TRANSLATE_NOOP("ConfigPage", "Skip feature gathering")},
        {QStringLiteral("gather_with_grad"), QT_TRANSLATE_NOOP("ConfigPage", "Gather with gradients")},
        {QStringLiteral("use_bn_sync"), QT_TRANSLATE_NOOP("ConfigPage", "Synchronised batch norm")},
        {QStringLiteral("seed"), QT_TRANSLATE_NOOP("ConfigPage", "Random seed")},
        {QStringLiteral("logs"), QT_TRANSLATE_NOOP("ConfigPage", "Logs folder")},
        {QStringLiteral("name"), QT_TRANSLATE_NOOP("ConfigPage", "Run name")},
        {QStringLiteral("device"), QT_TRANSLATE_NOOP("ConfigPage", "Device")},
        {QStringLiteral("keep_last_n"), QT_TRANSLATE_NOOP("ConfigPage", "Keep last N checkpoints")},
    };
    const auto it = names.find(QString::fromStdString(key));
    return it == names.end() ? QString::fromStdString(key)
                             : QCoreApplication::translate("ConfigPage", it.value());
}

} // namespace clipwb::ui
