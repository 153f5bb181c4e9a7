/// The stacks Pipette knows how to build.
public struct StackCatalog: Sendable {
    public let stacks: [Stack]

    public init(stacks: [Stack]) { self.stacks = stacks }

    public static let standard = StackCatalog(stacks: [
        Stack(name: "tiny-amd64", arch: .amd64, recipe: .tiny, summary: "busybox-static, x86_64"),
        Stack(name: "tiny-arm64", arch: .arm64, recipe: .tiny, summary: "busybox-static, aarch64"),
        Stack(name: "bookworm-amd64", arch: .amd64, recipe: .bookworm,
              summary: "Debian bookworm minbase + ruby, sinatra, python3, x86_64"),
        Stack(name: "bookworm-arm64", arch: .arm64, recipe: .bookworm,
              summary: "Debian bookworm minbase + ruby, sinatra, python3, aarch64"),
    ])

    public var names: [String] { stacks.map(\.name) }

    public func stack(named name: String) throws(StackError) -> Stack {
        guard let stack = stacks.first(where: { $0.name == name }) else {
            throw .unknown(name: name, known: names)
        }
        return stack
    }
}
