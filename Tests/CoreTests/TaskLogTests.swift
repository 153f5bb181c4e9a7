import Foundation
@testable import PipetteCore
import Testing

/// The seed's log stamp: `[2013-02-14 11:25:28] Downloading application`, always UTC.
@Suite("Task log")
struct TaskLogTests {
    @Test func linesAreStampedInUTCAsTheSeedPrintsThem() {
        var log = TaskLog()
        let line = log.append("Downloading application", at: Date(timeIntervalSince1970: 1_360_841_128.75))
        #expect(line == "[2013-02-14 11:25:28] Downloading application")
        #expect(log.text == line + "\n")
    }

    @Test func stampsPadAndRollOverLikeACalendar() {
        // 2024-02-29 is a leap day; the second before 2025 ends a year; 1970-01-01 is second zero.
        #expect(TaskLog.stamp(Date(timeIntervalSince1970: 1_709_168_645)) == "2024-02-29 01:04:05")
        #expect(TaskLog.stamp(Date(timeIntervalSince1970: 1_735_689_599)) == "2024-12-31 23:59:59")
        #expect(TaskLog.stamp(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00")
        #expect(TaskLog().text.isEmpty)
    }
}
