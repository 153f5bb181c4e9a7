import Cell
import PipetteCore

/// The systemd unit and env file `pipette cell install` writes (BOSH's job + monit, as systemd
/// does it): restart on failure, qemu binfmt for stacks of another arch, limits sized from the
/// cell's capacity, a stop timeout longer than the evacuation, secrets only in the env file.
struct CellUnit {
    /// The `pipette` executable the service runs.
    var binary: String
    /// `$PIPETTE_HOME` (buildpacks, lifecycle) and `$PIPETTE_CACHE` (built stacks) of the service.
    var home: String
    var cache: String
    var settings: CellFile
    /// Arches of the offered stacks this host runs only through qemu.
    var foreignArches: [Arch]

    /// How long systemd waits after SIGTERM before SIGKILL: the evacuation plus time to stop.
    var stopTimeoutSeconds: Int { settings.evacuationTimeout + 30 }
    /// The cell's own processes (threads, runc, CNI plugins); containers have their own cgroups.
    var tasksMax: Int { 256 + 64 * settings.maxContainers }
    /// The cell's own memory (downloads, unpacking, log buffers grow with the containers it runs);
    /// each container's memory is limited in its own cgroup under /pipette.
    var memoryMaxMB: Int { 512 + 64 * settings.maxContainers }

    var text: String {
        let binfmt = foreignArches.map { "ExecStartPre=-/usr/sbin/update-binfmts --enable qemu-\($0.machine)\n" }.joined()
        return """
            # Written by `pipette cell install`; `pipette cell uninstall` removes it.
            [Unit]
            Description=Pipette cell \(settings.id ?? "") (staging tasks and app instances in runc)
            Wants=network-online.target
            After=network-online.target\(foreignArches.isEmpty ? "" : " binfmt-support.service systemd-binfmt.service")

            [Service]
            Type=simple
            # Secrets (PIPETTE_NATS_URL with credentials) are in this file, mode 0600, never here.
            EnvironmentFile=\(CellInstallation.envPath)
            Environment=\(Self.quoted("PIPETTE_HOME=\(home)")) \(Self.quoted("PIPETTE_CACHE=\(cache)"))
            \(binfmt)ExecStart=\(Self.quoted(binary)) cell --config \(CellInstallation.configPath)
            Restart=on-failure
            RestartSec=5
            # SIGTERM evacuates: tasks finish, instances stay until replaced elsewhere (evacuation_timeout).
            KillSignal=SIGTERM
            KillMode=mixed
            TimeoutStopSec=\(stopTimeoutSeconds)
            LimitNOFILE=65536
            TasksMax=\(tasksMax)
            MemoryMax=\(memoryMaxMB)M
            SyslogIdentifier=pipette-cell

            [Install]
            WantedBy=multi-user.target

            """
    }

    /// The env file: NATS URL(s), credentials included, for the service only.
    static func environmentFile(natsURL: String) -> String {
        "# Secrets for pipette-cell.service (mode 0600); `pipette cell uninstall` removes it.\n"
            + "PIPETTE_NATS_URL=\(envValue(natsURL))\n"
    }

    /// A value for an env file: double-quoted, with backslash, `"`, `$` and backquote escaped.
    static func envValue(_ value: String) -> String {
        "\"" + value.map { "\\\"$`".contains($0) ? "\\\($0)" : String($0) }.joined() + "\""
    }

    /// A word for `Environment=` or ExecStart's program path: double-quoted, with `\` and `"`
    /// escaped and `%` doubled, so systemd takes it literally (no specifiers; neither place
    /// expands `$` variables).
    static func quoted(_ word: String) -> String {
        var escaped = ""
        for character in word {
            switch character {
            case "\\", "\"": escaped += "\\\(character)"
            case "%": escaped += "%%"
            default: escaped.append(character)
            }
        }
        return "\"\(escaped)\""
    }
}
