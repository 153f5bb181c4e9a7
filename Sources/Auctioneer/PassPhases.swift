import Foundation

/// Where one convergence pass spent its time, for the converger's log line
/// (`took=pass 0.412 s: apps 0.031, plan 0.008, offers 0.020, placement 0.061, perform 0.280`).
struct PassPhases: CustomStringConvertible {
    /// Reading the apps from the bucket.
    var reading: Duration
    /// `Convergence.plan`, with the cells' snapshot and the starts in flight.
    var planning: Duration
    /// Making the instances' definitions (guids, signed droplet URLs).
    var offering: Duration
    /// `Placement.place`, every round.
    var placing: Duration
    /// Awaiting the cells' answers to the perform requests (encoding them included), every round.
    var performing: Duration
    /// The whole pass.
    var total: Duration

    var description: String {
        func seconds(_ duration: Duration) -> String {
            let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return String(format: "%.3f", value)
        }
        return "pass \(seconds(total)) s: apps \(seconds(reading)), plan \(seconds(planning)), offers \(seconds(offering)), "
            + "placement \(seconds(placing)), perform \(seconds(performing))"
    }
}
