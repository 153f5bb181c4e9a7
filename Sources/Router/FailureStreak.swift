/// A run of failures of one repeated action, to say in the log without repeating it each time:
/// the 1st, 2nd, 4th, 8th, … failure in a row is logged (with how many so far), and the
/// recovery once, with the count.
struct FailureStreak: Sendable {
    private(set) var count = 0

    /// Counts a failure; true when this one should be logged.
    mutating func failed() -> Bool {
        count += 1
        return count.nonzeroBitCount == 1
    }

    /// Ends the streak; how many failures it had (nil when there were none).
    mutating func succeeded() -> Int? {
        defer { count = 0 }
        return count == 0 ? nil : count
    }
}
