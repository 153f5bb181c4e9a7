import PipetteCore
import Testing

/// Config files' decoding errors become sentences naming the key and what it should hold.
@Suite("Config file problems")
struct ConfigFileProblemTests {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ name: String) { stringValue = name }
        init(_ index: Int) { stringValue = "\(index)"; intValue = index }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { self.init(intValue) }
    }

    private func context(_ path: [Key]) -> DecodingError.Context { .init(codingPath: path, debugDescription: "internal") }

    @Test func sentences() {
        #expect(ConfigFileProblem.sentence(DecodingError.typeMismatch([String: String].self, context([])))
                == "it is not a mapping of settings (`key: value` lines)")
        #expect(ConfigFileProblem.sentence(DecodingError.typeMismatch(Int.self, context([Key("max_active_tasks")])))
                == "max_active_tasks should be a whole number")
        #expect(ConfigFileProblem.sentence(DecodingError.typeMismatch([String].self, context([Key("queues")])))
                == "queues should be a list (`- item` lines, or [a, b])")
        #expect(ConfigFileProblem.sentence(DecodingError.typeMismatch(String.self, context([Key("logging"), Key("level")])))
                == "logging.level should be text")
        #expect(ConfigFileProblem.sentence(DecodingError.valueNotFound(Bool.self, context([Key("secure")])))
                == "secure has no value; it should be true or false")
        #expect(ConfigFileProblem.sentence(DecodingError.keyNotFound(Key("id"), context([Key("stacks"), Key(2)])))
                == "stacks[2].id is missing")
        #expect(!ConfigFileProblem.sentence(DecodingError.dataCorrupted(context([]))).contains("DecodingError"))
    }
}
