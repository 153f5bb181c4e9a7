import ArgumentParser
import Foundation
import NATS
import PipetteCore

struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Show one app: its desired state, where each instance runs and in what state, and its releases.",
        discussion: """
            Desired state comes from the pipette_apps JetStream KV bucket; instances from the
            cells' last heartbeats (through the auctioneer): INDEX, STATE (starting, running,
            crashed), CELL, ADDRESS (http://host:port), SINCE, RESTARTS (crashes so far) and
            the LAST CRASH's reason; then what the converger says of the app: crashed
            instances waiting on their backoff (and when they restart), or why instances
            cannot be placed. --json prints {"app": …, "instances": […]}.

            Examples:
              pipette app sinatra
              pipette app sinatra --json
            """)

    @Argument(help: "The app's name.")
    var name: String

    @Flag(help: "Print the app's record and its instances as JSON.")
    var json = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    struct Shown: Codable {
        var app: AppRecord
        var instances: [InstanceReport]
    }

    func run() async throws {
        let connection = try await BusOptions.connect(nats)
        defer { connection.close() }
        guard let app = try await AppsCommand.store(connection).get(name) else {
            throw CommandFailure("no app named \(name); `pipette apps` lists them, `pipette push DIR --name \(name)` makes it")
        }
        var unknown: String?
        var instances: [InstanceReport] = []
        do {
            // The app's desired state is shown whether or not an auctioneer answers: no wait.
            instances = try await PlatformState.instances(of: name, on: connection, waitingUpTo: .zero)
        } catch {
            unknown = "\(error)"
        }
        if json { return Output.line(String(decoding: Wire.encode(Shown(app: app, instances: instances)), as: UTF8.self)) }
        let running = instances.filter { $0.state == .running }.count
        let router = await PlatformState.router(on: connection)
        let route: [(String, String)] = router.map { [("route", PlatformState.routeURL(app: app.name, router: $0))] } ?? []
        Output.table([
            ("app", "\(app.name) (guid \(app.guid))"),
            ("state", app.state.rawValue),
            ("stack", app.stack),
            ("instances", "\(running)/\(app.desiredInstances) running" + (app.state == .stopped ? " (stopped; `pipette start \(name)`)" : "")),
            ("limits", "\(app.memoryMB) MB memory, \(app.diskMB) MB disk"),
            ("health check", "\(app.healthCheck)"),
            ("environment", app.environment.keys.sorted().joined(separator: ", ").isEmpty
                ? "-" : app.environment.keys.sorted().joined(separator: ", ")),
            ("release", app.currentRelease.map(String.init) ?? "-"),
        ] + route)
        Output.line("")
        if let unknown {
            Output.line("instances: unknown (\(unknown))")
        } else if instances.isEmpty {
            Output.line(app.desiredInstances == 0 ? "no instances" : "no instances reported yet")
        } else {
            Output.columns(Self.instanceRows(instances))
        }
        if let status = await PlatformState.converger(on: connection) {
            for line in Self.convergerLines(status, app: name) { Output.line(line) }
        }
        Output.line("")
        Output.columns(ReleasesCommand.rows(app))
    }

    /// The instances table: one row per instance, with a header.
    static func instanceRows(_ instances: [InstanceReport], now: Double = Date().timeIntervalSince1970) -> [[String]] {
        [["INDEX", "STATE", "CELL", "ADDRESS", "SINCE", "RESTARTS", "RELEASE", "LAST CRASH"]] + instances.map {
            ["\($0.index)", $0.state.rawValue, $0.cellID, $0.url ?? "-", Self.age(now - $0.since) + " ago", "\($0.crashCount)",
             "\($0.release)", $0.lastCrashReason ?? "-"]
        }
    }

    /// What the converger's last pass says of `app`: restarts waiting on backoff, given-up
    /// instances, and placement errors.
    static func convergerLines(_ status: ConvergerStatus, app: String, now: Double = Date().timeIntervalSince1970) -> [String] {
        var lines: [String] = []
        for wait in status.waiting where wait.app == app {
            let when = wait.restartAt.map { "restarts in \(age($0 - now))" } ?? "is not restarted"
            lines.append("instance \(wait.index) crashed \(wait.crashCount) times and \(when) (crash backoff)")
        }
        for wait in status.gaveUp where wait.app == app {
            lines.append("instance \(wait.index) crashed \(wait.crashCount) times and is no longer restarted; "
                         + "`pipette restart \(app)` tries again")
        }
        if let error = status.placementErrors[app] { lines.append("cannot place instances: \(error)") }
        return lines
    }

    /// `45s`, `3m12s`, `2h05m`.
    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
    }
}
