#pragma once
// Marks a user-visible string of the core for translation without linking Qt:
// the core keeps the English text, lupdate reads this macro as
// QT_TRANSLATE_NOOP (ui/CMakeLists.txt: -tr-function-alias), and the GUI
// shows QCoreApplication::translate(context, text).
#define CLIPWB_TR_NOOP(context, text) text
