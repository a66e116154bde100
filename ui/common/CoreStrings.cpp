// Strings of the core that lupdate cannot find in C++ (they live in the JSON
// resources under resources/presets), listed here so that they get into
// translations/clipwb_zh_CN.ts. The GUI translates them with
// QCoreApplication::translate("clipwb::config", text); TestTranslations fails
// when a preset's description is missing here or untranslated.
#include <QtGlobal>

namespace {

[[maybe_unused]] const char* const kPresetDescriptions[] = {
    QT_TRANSLATE_NOOP("clipwb::config",
                      "The demo: Tiny-ViT + Tiny-BERT trained from scratch on the generated demo "
                      "dataset; a few minutes on a laptop CPU."),
    QT_TRANSLATE_NOOP(
        "clipwb::config",
        "MUGE fine-tune of ViT-B-16 for a GPU with 8-12 GB: gradient checkpointing, batches of 32 "
        "accumulated 4 times (effective 128), mixed precision, fewer loader threads."),
    QT_TRANSLATE_NOOP(
        "clipwb::config",
        "The seed's MUGE fine-tune of ViT-B-16 + RoBERTa-wwm-ext-base-chinese (upstream "
        "run_scripts/muge_finetune_vit-b-16_rbt-base.sh); paths are relative to your DATAPATH folder."),
};

} // namespace
