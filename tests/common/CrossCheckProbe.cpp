// Not a test by itself: test_crosscheck_policy runs it (through run-test.sh, as ctest
// does) to prove the skip policy. One check passes, one needs a prerequisite that
// is never there.
#include "support/CrossCheck.h"

#include <QtTest>

class CrossCheckProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void plainCheck() { QCOMPARE(1 + 1, 2); }
    void crossCheckWithMissingPrerequisite()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("clipwb_no_such_module")});
        QFAIL("ran without its prerequisite");
    }
};

QTEST_GUILESS_MAIN(CrossCheckProbe)
#include "CrossCheckProbe.moc"
