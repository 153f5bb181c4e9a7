import Foundation

/// Interleaved timing of a candidate against a baseline, so machine noise hits both alike.
struct Timing {
    var candidate: [Double] = []
    var baseline: [Double] = []

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return since(start)
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        return since(start)
    }

    private static func since(_ start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    var report: String {
        let c = Self.median(candidate), b = Self.median(baseline)
        return String(format: "candidate median %.3f s, baseline median %.3f s, ratio %.2fx (%d rounds)",
                      c, b, b > 0 ? c / b : 0, candidate.count)
    }
}
