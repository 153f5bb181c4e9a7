/// The builder's `-outputMetadata` JSON (Cloud Foundry's staging result), the parts Pipette reads.
public struct BuilderResult: Sendable, Equatable, Decodable {
    public struct LifecycleMetadata: Sendable, Equatable {
        public var detectedBuildpack: String?
        public var buildpackKey: String?
    }

    public var lifecycleMetadata: LifecycleMetadata
    public var processTypes: [String: String]
    public var lifecycleType: String?

    /// The `web` process, which is what `start` runs.
    public var startCommand: String? { processTypes["web"] }

    /// Written by hand with `AnyCodingKey`: one keyed container type for the whole document.
    public init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: AnyCodingKey.self)
        let metadata = try object.nestedContainer(keyedBy: AnyCodingKey.self, forKey: "lifecycle_metadata")
        lifecycleMetadata = LifecycleMetadata(
            detectedBuildpack: try metadata.decodeIfPresent(String.self, forKey: "detected_buildpack"),
            buildpackKey: try metadata.decodeIfPresent(String.self, forKey: "buildpack_key"))
        processTypes = try object.decodeDictionary(String.self, forKey: "process_types")
        lifecycleType = try object.decodeIfPresent(String.self, forKey: "lifecycle_type")
    }
}
