import Container
import Foundation
import PipetteCore

/// Runs an instance's container and watches it: the lifecycle `healthcheck` (run in the
/// container with `runc exec`) in startup mode until it passes or `startTimeout` passes, then in
/// liveness mode; a failed check kills the container. A stop request sends SIGTERM and, after
/// the grace period, SIGKILL. Returns once the container is gone.
struct InstanceSupervisor: Sendable {
    let runner: ContainerRunner
    let container: String
    let healthCheck: HealthCheck
    /// Zero: no limit (Diego's `-startup-timeout 0`).
    let startTimeout: Duration
    let startupInterval: Duration
    let livenessInterval: Duration
    let stopGracePeriod: Duration

    private enum Event: Sendable {
        case exited(Int32)
        case failed(String)
        case unhealthy(String)
        case stop(String)
        case graceOver
        case quiet
    }

    func supervise(_ spec: ContainerSpec, stopRequested: @escaping @Sendable () async -> String?,
                   events: InstanceExecutor.Events, oomKills: @Sendable () -> Int) async -> InstanceExecutor.End {
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                do {
                    return .exited(try await runner.run(spec, id: container, onLine: events.appLine))
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask { await watch(events: events) }
            group.addTask { await stopRequested().map(Event.stop) ?? .quiet }
            var outcome: InstanceExecutor.End?
            while let event = await group.next() {
                switch event {
                case .exited(let status):
                    group.cancelAll()
                    return Self.settled(outcome, otherwise: "exit status \(status)", oomKills: oomKills)
                case .failed(let reason):
                    group.cancelAll()
                    return Self.settled(outcome, otherwise: reason, oomKills: oomKills)
                case .unhealthy(let line):
                    guard outcome == nil else { continue }
                    outcome = .crashed(reason: "health check failed: \(line)")
                    group.cancelAll()  // kills the container (runc run is killed, then runc delete --force)
                case .stop:
                    guard outcome == nil else { continue }
                    outcome = .stopped
                    group.addTask {
                        await runner.kill(container, signal: "TERM")
                        return (try? await Task.sleep(for: stopGracePeriod)) == nil ? .quiet : .graceOver
                    }
                case .graceOver:
                    group.cancelAll()
                case .quiet:
                    continue
                }
            }
            return outcome ?? .stopped
        }
    }

    /// How the instance ended once its container is gone: running out of memory explains any
    /// crash, a failed health check included (the kernel may kill the checker instead of the app,
    /// and the check then reports status 137; seen in CI); a requested stop stays a stop.
    static func settled(_ outcome: InstanceExecutor.End?, otherwise reason: String,
                        oomKills: () -> Int) -> InstanceExecutor.End {
        if outcome == .stopped { return .stopped }
        if oomKills() > 0 { return .crashed(reason: "killed: out of memory") }
        return outcome ?? .crashed(reason: reason)
    }

    /// Startup check, then liveness checks; returns `.unhealthy` with the checker's last line,
    /// or `.quiet` when the container went away first (its exit is then what counts).
    private func watch(events: InstanceExecutor.Events) async -> Event {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline: ContinuousClock.Instant? = startTimeout > .zero ? started + startTimeout : nil
        // The container must be running before anything can be run in it.
        while await runner.status(container) != "running" {
            if let deadline, clock.now >= deadline {
                return .unhealthy("Timed out after \(Self.text(startTimeout)) waiting for the container to start")
            }
            guard (try? await Task.sleep(for: .milliseconds(50))) != nil else { return .quiet }
        }
        let flags: [String]
        switch healthCheck {
        case .process:
            events.healthy(Self.seconds(clock.now - started))
            guard (try? await Task.sleep(for: .seconds(365 * 24 * 3600))) != nil else { return .quiet }
            return .quiet
        case .port:
            flags = ["-port", String(InstanceExecutor.containerPort)]
        case .http(let path):
            flags = ["-port", String(InstanceExecutor.containerPort), "-uri", path]
        }
        let remaining = deadline.map { max($0 - clock.now, .milliseconds(1)) } ?? .zero
        let startup = await check(flags + ["-startup-interval", Self.goDuration(startupInterval),
                                           "-startup-timeout", deadline == nil ? "0" : Self.goDuration(remaining)])
        if Task.isCancelled { return .quiet }
        if let failure = startup { return await verdict(failure) }
        events.healthy(Self.seconds(clock.now - started))
        let liveness = await check(flags + ["-liveness-interval", Self.goDuration(livenessInterval)])
        if Task.isCancelled { return .quiet }
        return await verdict(liveness ?? "Liveness check ended without a result")
    }

    /// A failed check counts while the container still runs; if it is gone, its exit is what
    /// counts. When runc could not even start the checker in it ("unable to start container
    /// process": its init had just exited), runc may still call it running until the exit is
    /// reaped, so it is given up to a second to go (CI saw "health check failed: … setns …"
    /// reported for an app that had exited with status 3).
    private func verdict(_ failure: String) async -> Event {
        if failure.contains("unable to start container process") {
            let deadline = ContinuousClock.now + .seconds(1)
            while ContinuousClock.now < deadline, await runner.status(container) == "running" {
                guard (try? await Task.sleep(for: .milliseconds(50))) != nil else { return .quiet }
            }
        }
        return await runner.status(container) == "running" ? .unhealthy(failure) : .quiet
    }

    /// Runs the healthcheck in the container; nil when it passed, else its last line.
    private func check(_ arguments: [String]) async -> String? {
        let output = Lines()
        do {
            let status = try await runner.exec(container, args: ["/tmp/lifecycle/healthcheck"] + arguments, onLine: output.append)
            return status == 0 ? nil : output.last ?? "healthcheck exited with status \(status)"
        } catch {
            return error.description
        }
    }

    /// Go's duration syntax for the lifecycle's flags (`1500ms`).
    static func goDuration(_ duration: Duration) -> String { "\(max(duration.wholeMilliseconds, 1))ms" }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func text(_ duration: Duration) -> String { String(format: "%.0f s", seconds(duration)) }
}
