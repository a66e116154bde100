#pragma once
// qcustomplot.h is written with Qt's keyword macros (signals, slots, emit,
// foreach), which this project turns off (QT_NO_KEYWORDS): lend them to it.
#ifndef signals
#define signals Q_SIGNALS
#define CLIPWB_LENT_SIGNALS
#endif
#ifndef slots
#define slots Q_SLOTS
#define CLIPWB_LENT_SLOTS
#endif
#ifndef emit
#define emit Q_EMIT
#define CLIPWB_LENT_EMIT
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define CLIPWB_LENT_FOREACH
#endif

#include <qcustomplot.h>

#ifdef CLIPWB_LENT_SIGNALS
#undef signals
#undef CLIPWB_LENT_SIGNALS
#endif
#ifdef CLIPWB_LENT_SLOTS
#undef slots
#undef CLIPWB_LENT_SLOTS
#endif
#ifdef CLIPWB_LENT_EMIT
#undef emit
#undef CLIPWB_LENT_EMIT
#endif
#ifdef CLIPWB_LENT_FOREACH
#undef foreach
#undef CLIPWB_LENT_FOREACH
#endif
