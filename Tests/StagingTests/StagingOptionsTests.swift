import Staging
import Testing

/// The staging container's memory limit: one rule for the stager's own runs and for cells.
@Suite("Staging options")
struct StagingOptionsTests {
    @Test func theMemoryLimitIsWhatTheTaskReservedButNeverUnderOneGiB() {
        #expect(StagingOptions.memoryLimit(reservedMB: 64) == 1 << 30)
        #expect(StagingOptions.memoryLimit(reservedMB: 1024) == 1 << 30)
        #expect(StagingOptions.memoryLimit(reservedMB: 3072) == 3 << 30)
    }
}
