/// A CPU architecture a stack is built for, in Debian's and the kernel's spellings.
public enum Arch: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case amd64
    case arm64

    /// What `uname -m` prints inside a container of this arch; also the lifecycle build folder.
    public var machine: String {
        switch self {
        case .amd64: "x86_64"
        case .arm64: "aarch64"
        }
    }

    public init?(machine: String) {
        guard let arch = Arch.allCases.first(where: { $0.machine == machine }) else { return nil }
        self = arch
    }

    public var description: String { rawValue }
}
