/// The parts of the OCI runtime spec (`config.json`) Pipette writes for runc.
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
