/// The builder's `-outputMetadata` JSON (Cloud Foundry's staging result), the parts Pipette reads.
public struct BuilderResult: Sendable, Equatable, Decodable {
    public struct LifecycleMetadata: Sendable, Equatable, Decodable {
        public var detectedBuildpack: String?
        public var buildpackKey: String?

        enum CodingKeys: String, CodingKey {
            case detectedBuildpack = "detected_buildpack"
            case buildpackKey = "buildpack_key"
        }
    }

    public var lifecycleMetadata: LifecycleMetadata
    public var processTypes: [String: String]
    public var lifecycleType: String?

    /// The `web` process, which is what `start` runs.
    public var startCommand: String? { processTypes["web"] }

    enum CodingKeys: String, CodingKey {
        case lifecycleMetadata = "lifecycle_metadata"
        case processTypes = "process_types"
        case lifecycleType = "lifecycle_type"
    }
}
