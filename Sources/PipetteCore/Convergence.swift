/// Diego's BBS LRP convergence (cloudfoundry/bbs `db/sqldb/lrp_convergence.go`) as a pure function
/// of the desired apps, what the cells report, the starts already under way and the crash policy.
///
/// Per app and index `0..<desiredInstances`:
/// - an instance of the current release, `starting` or `running` on a cell that is not evacuating,
///   satisfies it; of several such, the running (then oldest, then smallest guid) one is kept and
///   the rest are stopped as duplicates;
/// - once that instance is `running`, instances of older releases at the index are stopped, and so
///   is an instance of the current release on an evacuating cell (health-gated replace);
/// - with none, a start already in flight for it is waited for; otherwise a crashed instance is
///   restarted when the ``CrashPolicy`` says so (the new one carries the crash count, the crashed
///   report is forgotten), waits on its backoff, or stays crashed past `maxRestarts`; an instance on
///   an evacuating cell gets a replacement; else one is started.
///
/// Instances at indexes ≥ `desiredInstances` are stopped (`scaled down`; all of them when the app is
/// stopped); instances of an app not in `apps` (or with another app guid) are stopped. Cells that
/// were lost are simply not in `cells`, so their instances count as missing.
public enum Convergence {
    /// - Parameter now: unix seconds.
    public static func plan(apps: [AppRecord], cells: [CellState], inFlight: [InFlightStart] = [],
                            policy: CrashPolicy = .diego, now: Double) -> ConvergencePlan {
        var reports: [String: [Located]] = [:]
        reports.reserveCapacity(apps.count)
        for cell in cells {
            for report in cell.lrps {
                reports[report.app, default: []].append(Located(report: report, cellID: cell.id, evacuating: cell.evacuating))
            }
        }
        // A start stops being in flight once any cell reports its guid.
        var pending: [String: [InFlightStart]] = [:]
        if !inFlight.isEmpty {
            var waiting = Dictionary(inFlight.map { ($0.instanceGUID, $0) }, uniquingKeysWith: { first, _ in first })
            for located in reports.values.joined() { waiting[located.report.instanceGUID] = nil }
            for start in waiting.values { pending[start.app, default: []].append(start) }
        }

        var plan = ConvergencePlan()
        let pass = Pass(policy: policy, now: now)
        for app in apps.sorted(by: { $0.name < $1.name }) {
            let found = reports.removeValue(forKey: app.name) ?? []
            pass.converge(app, found, pending: pending[app.name] ?? [], into: &plan)
        }
        for name in reports.keys.sorted() {
            pass.remove(reports[name] ?? [], reason: "app deleted", into: &plan)
        }
        return plan
    }

    /// One instance report and the cell it came from.
    struct Located {
        let report: InstanceReport
        let cellID: String
        let evacuating: Bool

        var isActive: Bool { report.state != .crashed }

        func stop(_ reason: String) -> ConvergencePlan.Stop {
            ConvergencePlan.Stop(cellID: cellID, instanceGUID: report.instanceGUID, app: report.app,
                                 index: report.index, reason: reason)
        }
    }

    struct Pass {
        let policy: CrashPolicy
        let now: Double

        /// Stops the active instances and forgets the crashed ones.
        func remove(_ instances: some Sequence<Located>, reason: String, into plan: inout ConvergencePlan) {
            for located in instances {
                if located.isActive { plan.stops.append(located.stop(reason)) } else { plan.forget.append(located.stop(reason)) }
            }
        }

        func converge(_ app: AppRecord, _ found: [Located], pending: [InFlightStart],
                               into plan: inout ConvergencePlan) {
            let desired = app.desiredInstances
            guard desired > 0, let release = app.currentRelease else {
                remove(found, reason: app.state == .stopped ? "app stopped" : "app has no release", into: &plan)
                return
            }
            var slots = Array(repeating: [Located](), count: desired)
            for located in found {
                if located.report.appGUID != app.guid {
                    remove(CollectionOfOne(located), reason: "app deleted", into: &plan)
                } else if located.report.index >= desired || located.report.index < 0 {
                    remove(CollectionOfOne(located), reason: "scaled down", into: &plan)
                } else {
                    slots[located.report.index].append(located)
                }
            }
            var starting = Set<Int>()
            for start in pending where start.release == release { starting.insert(start.index) }
            for index in 0..<desired {
                converge(app: app.name, index: index, release: release, slots[index],
                         inFlight: starting.contains(index), into: &plan)
            }
        }

        /// Decides one index of an app.
        func converge(app: String, index: Int, release: Int, _ here: [Located], inFlight: Bool,
                      into plan: inout ConvergencePlan) {
            if here.count == 1, let only = here.first, only.isActive, !only.evacuating, only.report.release == release {
                return  // the common case: exactly one healthy instance of the current release
            }
            var active: [Located] = []
            var evacuating: [Located] = []
            var older: [Located] = []
            var crashed: [Located] = []
            for located in here {
                if !located.isActive {
                    if located.report.release == release {
                        crashed.append(located)
                    } else {
                        plan.forget.append(located.stop("replaced by release \(release)"))
                    }
                } else if located.report.release != release {
                    older.append(located)
                } else if located.evacuating {
                    evacuating.append(located)
                } else {
                    active.append(located)
                }
            }
            if let keep = active.min(by: Self.preferred) {
                for other in active where other.report.instanceGUID != keep.report.instanceGUID {
                    plan.stops.append(other.stop("duplicate"))
                }
                for report in crashed { plan.forget.append(report.stop("restarted")) }
                if keep.report.state == .running {
                    for located in evacuating { plan.stops.append(located.stop("evacuated")) }
                    for located in older { plan.stops.append(located.stop("replaced by release \(release)")) }
                }
                return
            }
            if inFlight { return }
            if let leaving = evacuating.min(by: Self.preferred) {
                plan.starts.append(.init(app: app, index: index, release: release, crashCount: leaving.report.crashCount,
                                         cause: .evacuation))
                for report in crashed { plan.forget.append(report.stop("restarted")) }
                return
            }
            if let crash = crashed.max(by: Self.lessCrashed) {
                for other in crashed where other.report.instanceGUID != crash.report.instanceGUID {
                    plan.forget.append(other.stop("superseded by a later crash"))
                }
                let report = crash.report
                guard let restartAt = policy.restartTime(crashedAt: report.since, crashCount: report.crashCount) else {
                    plan.gaveUp.append(RestartWait(app: app, index: index, crashCount: report.crashCount, restartAt: nil,
                                                   lastCrashReason: report.lastCrashReason))
                    return
                }
                if restartAt <= now {
                    plan.starts.append(.init(app: app, index: index, release: release, crashCount: report.crashCount,
                                             cause: .crashed))
                    plan.forget.append(crash.stop("restarted"))
                } else {
                    plan.waiting.append(RestartWait(app: app, index: index, crashCount: report.crashCount,
                                                    restartAt: restartAt, lastCrashReason: report.lastCrashReason))
                }
                return
            }
            plan.starts.append(.init(app: app, index: index, release: release, cause: older.isEmpty ? .missing : .newRelease))
        }

        /// Running before starting, then the oldest, then the smallest guid.
        static func preferred(_ a: Located, _ b: Located) -> Bool {
            let rankA = a.report.state == .running ? 0 : 1
            let rankB = b.report.state == .running ? 0 : 1
            return (rankA, a.report.since, a.report.instanceGUID) < (rankB, b.report.since, b.report.instanceGUID)
        }

        /// Orders crashed reports: fewer crashes, then earlier.
        static func lessCrashed(_ a: Located, _ b: Located) -> Bool {
            (a.report.crashCount, a.report.since, a.report.instanceGUID) < (b.report.crashCount, b.report.since, b.report.instanceGUID)
        }
    }
}
