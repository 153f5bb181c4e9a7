import Archive
import Container
import Foundation
import PipetteCore
import Staging

/// Runs one app instance on this cell (Diego's executor for an LRP): fetches the droplet into the
/// cache, unpacks it, takes a host port, wires a network namespace with CNI, and runs the
/// lifecycle `launcher` in runc with the instance's memory limit; checks its health until it
/// exits, fails its health check or is asked to stop. Whatever happens, everything it took on the
/// host is given back before `run` returns.
struct InstanceExecutor: Sendable {
    let config: CellConfig
    let home: PipetteHome
    let stacks: CellStacks
    let droplets: DropletCache
    let ports: HostPorts
    let network: CNINetwork
    /// `<cell workspaces>/instances`: one folder per instance (record, unpacked droplet, bundle).
    let folder: URL

    /// The app's port inside its container (`$PORT`).
    static let containerPort = 8080

    /// How an instance ended.
    enum End: Sendable, Equatable {
        case stopped
        case crashed(reason: String)
    }

    /// What the instance tells the cell while it runs.
    struct Events: Sendable {
        /// A line the app printed.
        let appLine: @Sendable (String) -> Void
        /// The host port is taken.
        let portTaken: @Sendable (Int) -> Void
        /// The startup health check passed, `seconds` after the container started.
        let healthy: @Sendable (_ seconds: Double) -> Void
    }

    /// Container names start with it, so `runc list` shows which containers are this cell's.
    var containerPrefix: String { InstanceContainer.prefix(cellID: config.id) }

    func containerName(_ guid: String) -> String { InstanceContainer.name(cellID: config.id, instanceGUID: guid) }

    /// The cgroup folder holding this cell's instances' cgroups.
    var cellCgroupPath: String { "/pipette/\(Subjects.token(config.id))" }

    func cgroupPath(_ guid: String) -> String { "\(cellCgroupPath)/\(Subjects.token(guid))" }

    func run(_ instance: InstanceDefinition, stopRequested: @escaping @Sendable () async -> String?,
             events: Events) async -> End {
        let dir = folder.appendingPathComponent(Subjects.token(instance.instanceGUID))
        var record = InstanceRecord(
            instanceGUID: instance.instanceGUID, container: containerName(instance.instanceGUID),
            networkNamespace: "pipette-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased(),
            cgroupPath: cgroupPath(instance.instanceGUID))
        var cgroup: ContainerCgroup?
        let end: End
        do {
            end = try await start(instance, in: dir, record: &record, cgroup: &cgroup, stopRequested: stopRequested, events: events)
        } catch {
            end = .crashed(reason: "\(error)")
        }
        // Giving back must finish even when the cell is being cancelled, so it runs in a task of
        // its own, awaited here.
        let finished = record
        let held = cgroup
        await Task { await release(finished, folder: dir, cgroup: held) }.value
        return end
    }

    private func start(_ instance: InstanceDefinition, in dir: URL, record: inout InstanceRecord,
                       cgroup: inout ContainerCgroup?, stopRequested: @escaping @Sendable () async -> String?,
                       events: Events) async throws -> End {
        guard let usable = stacks.rootfs(of: instance.stack) else {
            throw InstanceFailure("cell \(config.id) does not have stack \(instance.stack)")
        }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw InstanceFailure("cannot make the instance folder \(dir.path): \(error.localizedDescription)")
        }
        try record.save(in: dir)
        let droplet = try await droplets.droplet(url: instance.dropletURL, sha256: instance.dropletSHA256,
                                                 timeout: .seconds(max(120, instance.startTimeoutSeconds)))
        let vcapHome = dir.appendingPathComponent("home")
        do {
            _ = try Unpacker.unpack(droplet, into: vcapHome, limits: .droplet, owner: Ownership.vcap)
        } catch {
            if case .disk = error { throw InstanceFailure("cannot unpack the droplet on cell \(config.id): \(error)") }
            throw InstanceFailure("the droplet is not a valid droplet (\(error)); restage the app")
        }
        try Ownership.makeDirectory(vcapHome.appendingPathComponent("tmp"))
        // The cell's own guard (cloud_controller_ng#3239): a droplet staged for another stack never starts here.
        let info = try? DropletRunner.stagingInfo(in: vcapHome)
        if let problem = info?.stackProblem(placedOn: instance.stack, cellID: config.id, cellStacks: stacks.usable.map(\.stack.name)) {
            throw InstanceFailure(problem)
        }
        let command = instance.startCommand.isEmpty ? try DropletRunner.stagingInfo(in: vcapHome).startCommand : instance.startCommand
        guard !command.isEmpty else { throw InstanceFailure("the droplet has no start command and the instance gives none; restage the app") }

        let port = try ports.allocate(for: instance.instanceGUID)
        record.hostPort = port
        try record.save(in: dir)
        events.portTaken(port)
        try await NetworkNamespace.add(record.networkNamespace)
        let attachment = try await network.attach(
            containerID: record.container, netns: NetworkNamespace.path(record.networkNamespace),
            hostPort: port, containerPort: Self.containerPort)
        let limit = Int64(instance.memoryMB) << 20
        cgroup = try ContainerCgroup.create(path: record.cgroupPath, memoryLimitBytes: limit)

        var spec = try ContainerSpec.launcher(
            rootfs: usable.rootfs, stack: usable.stack, lifecycle: home.lifecycle(for: usable.stack.arch), home: vcapHome,
            command: command, environment: environment(instance, port: port, internalIP: attachment.ip, stack: usable.stack.name))
        spec.networkNamespacePath = NetworkNamespace.path(record.networkNamespace)
        spec.cgroupsPath = cgroup?.containerPath
        spec.memoryLimitBytes = nil
        spec.hostname = String(Subjects.token(instance.instanceGUID).prefix(63))
        let supervisor = InstanceSupervisor(
            runner: ContainerRunner(bundles: dir.appendingPathComponent("bundle")), container: record.container,
            healthCheck: instance.healthCheck, startTimeout: .seconds(instance.startTimeoutSeconds),
            startupInterval: config.startupCheckInterval, livenessInterval: config.healthInterval,
            stopGracePeriod: config.stopGracePeriod)
        let held = cgroup
        return await supervisor.supervise(spec, stopRequested: stopRequested, events: events) { held?.oomKills() ?? 0 }
    }

    /// The app's environment: Diego's instance variables over the app's own.
    func environment(_ instance: InstanceDefinition, port: Int, internalIP: String, stack: String) -> [String: String] {
        let vcapApplication: [String: Any] = [
            "application_id": instance.appGUID, "application_name": instance.app, "name": instance.app,
            "instance_id": instance.instanceGUID, "instance_index": instance.index,
            "limits": ["mem": instance.memoryMB, "disk": instance.diskMB, "fds": 1024],
            "space_name": "pipette", "application_uris": [String](),
        ]
        let json = (try? JSONSerialization.data(withJSONObject: vcapApplication, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let host = config.advertiseHost
        let platform = [
            "PORT": String(Self.containerPort), "HOME": "/home/vcap", "TMPDIR": "/home/vcap/tmp",
            "VCAP_APPLICATION": json,
            "INSTANCE_INDEX": String(instance.index), "INSTANCE_GUID": instance.instanceGUID,
            "CF_INSTANCE_INDEX": String(instance.index), "CF_INSTANCE_GUID": instance.instanceGUID,
            "CF_INSTANCE_IP": host, "CF_INSTANCE_PORT": String(port), "CF_INSTANCE_ADDR": "\(host):\(port)",
            "CF_INSTANCE_INTERNAL_IP": internalIP, "CF_STACK": stack,
        ]
        return instance.environment.merging(platform) { _, platform in platform }
    }

    /// Gives back what a record says an instance holds: container, network, namespace, port,
    /// cgroup and folder. Safe to repeat.
    func release(_ record: InstanceRecord, folder dir: URL, cgroup: ContainerCgroup? = nil) async {
        await ContainerRunner().delete(record.container)
        if let port = record.hostPort {
            await network.detach(containerID: record.container, netns: NetworkNamespace.path(record.networkNamespace),
                                 hostPort: port, containerPort: Self.containerPort)
        }
        await NetworkNamespace.delete(record.networkNamespace)
        if let port = record.hostPort { ports.release(port) }
        if let cgroup { cgroup.remove() } else { ContainerCgroup.remove(path: record.cgroupPath) }
        Workspace.remove(dir)
    }

    /// Removes everything an earlier run of this cell left: containers named as this cell's,
    /// the instances recorded in its folder, its port locks. Returns how many instances.
    func removeLeftovers() async -> Int {
        var removed = Set<String>()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names {
            let dir = folder.appendingPathComponent(name)
            if let record = InstanceRecord.load(from: dir) {
                await release(record, folder: dir)
                removed.insert(record.container)
            } else {
                Workspace.remove(dir)
            }
        }
        let containers = ((try? await ContainerRunner().list()) ?? []).filter { $0.hasPrefix(containerPrefix) }
        for container in containers where !removed.contains(container) {
            await ContainerRunner().delete(container)
            ContainerCgroup.remove(path: "\(cellCgroupPath)/\(container.dropFirst(containerPrefix.count))")
            removed.insert(container)
        }
        _ = ports.releaseAll()
        return removed.count
    }
}
