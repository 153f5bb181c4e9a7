/// A named root filesystem for one arch, and the recipe that builds it.
public struct Stack: Sendable, Equatable, Hashable, Codable {
    public enum Recipe: String, Sendable, Codable {
        /// busybox-static only: seconds to build, for tests and static or shell apps.
        case tiny
        /// debootstrap minbase plus ruby, sinatra and python3.
        case bookworm
    }

    public let name: String
    public let arch: Arch
    public let recipe: Recipe
    public let summary: String

    public init(name: String, arch: Arch, recipe: Recipe, summary: String) {
        self.name = name
        self.arch = arch
        self.recipe = recipe
        self.summary = summary
    }
}
