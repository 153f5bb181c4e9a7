import PipetteCore

/// The parts of the OCI runtime spec (`config.json`) Pipette writes for runc. `json` is what is
/// written (`JSONText`); the `Encodable` conformance is the reference it is tested against.
struct OCISpec: Encodable {
    struct User: Encodable {
        let uid: UInt32
        let gid: UInt32
    }

    struct Capabilities: Encodable {
        let bounding: [String]
        let effective: [String]
        let permitted: [String]
    }

    struct Rlimit: Encodable {
        let type: String
        let hard: UInt64
        let soft: UInt64
    }

    struct Process: Encodable {
        let terminal = false
        let user: User
        let args: [String]
        let env: [String]
        let cwd: String
        let capabilities: Capabilities
        let rlimits: [Rlimit]
        let noNewPrivileges = true
    }

    struct Root: Encodable {
        let path: String
        let readonly: Bool
    }

    struct Mount: Encodable {
        let destination: String
        let type: String
        let source: String
        let options: [String]
    }

    struct Namespace: Encodable {
        let type: String
        /// An existing namespace to join (`/var/run/netns/NAME`); a new one when nil.
        var path: String?
    }

    struct Resources: Encodable {
        struct Memory: Encodable { let limit: Int64 }
        struct Pids: Encodable { let limit: Int64 }
        struct Device: Encodable {
            let allow: Bool
            let access: String
        }
        let devices = [Device(allow: false, access: "rwm")]
        let memory: Memory?
        let pids: Pids
    }

    struct Linux: Encodable {
        let cgroupsPath: String?
        let namespaces: [Namespace]
        let resources: Resources
        let maskedPaths: [String]
        let readonlyPaths: [String]
    }

    let ociVersion = "1.0.2"
    let process: Process
    let root: Root
    let hostname: String
    let mounts: [Mount]
    let linux: Linux
}

extension OCISpec {
    /// `config.json`'s text.
    var json: String {
        JSONText.object(("ociVersion", JSONText.string(ociVersion)), ("process", process.json), ("root", root.json),
                        ("hostname", JSONText.string(hostname)), ("mounts", JSONText.array(mounts.map(\.json))),
                        ("linux", linux.json))
    }
}

extension OCISpec.Process {
    var json: String {
        JSONText.object(("terminal", "\(terminal)"),
                        ("user", JSONText.object(("uid", "\(user.uid)"), ("gid", "\(user.gid)"))),
                        ("args", JSONText.strings(args)), ("env", JSONText.strings(env)), ("cwd", JSONText.string(cwd)),
                        ("capabilities", JSONText.object(("bounding", JSONText.strings(capabilities.bounding)),
                                                         ("effective", JSONText.strings(capabilities.effective)),
                                                         ("permitted", JSONText.strings(capabilities.permitted)))),
                        ("rlimits", JSONText.array(rlimits.map {
                            JSONText.object(("type", JSONText.string($0.type)), ("hard", "\($0.hard)"), ("soft", "\($0.soft)"))
                        })),
                        ("noNewPrivileges", "\(noNewPrivileges)"))
    }
}

extension OCISpec.Root {
    var json: String { JSONText.object(("path", JSONText.string(path)), ("readonly", "\(readonly)")) }
}

extension OCISpec.Mount {
    var json: String {
        JSONText.object(("destination", JSONText.string(destination)), ("type", JSONText.string(type)),
                        ("source", JSONText.string(source)), ("options", JSONText.strings(options)))
    }
}

extension OCISpec.Linux {
    var json: String {
        let resources = JSONText.object(
            ("devices", JSONText.array(resources.devices.map {
                JSONText.object(("allow", "\($0.allow)"), ("access", JSONText.string($0.access)))
            })),
            ("memory", resources.memory.map { JSONText.object(("limit", "\($0.limit)")) }),
            ("pids", JSONText.object(("limit", "\(resources.pids.limit)"))))
        return JSONText.object(
            ("cgroupsPath", cgroupsPath.map(JSONText.string)),
            ("namespaces", JSONText.array(namespaces.map {
                JSONText.object(("type", JSONText.string($0.type)), ("path", $0.path.map(JSONText.string)))
            })),
            ("resources", resources), ("maskedPaths", JSONText.strings(maskedPaths)),
            ("readonlyPaths", JSONText.strings(readonlyPaths)))
    }
}
