import Foundation
import Testing

/// The YAML reader (libyaml) behind release output, Procfiles, config.yml,
/// launch.yml and staging_info.yml, exercised through `lctool yaml2json`.
@Suite("YAML reader")
struct YamlTests {
    static let documents: [(String, String)] = [
        // bin/release output
        ("---\ndefault_process_types:\n  web: bundle exec rackup config.ru -p $PORT\n",
         #"{"default_process_types":{"web":"bundle exec rackup config.ru -p $PORT"}}"#),
        ("default_process_types: {web: \"ruby app.rb\", worker: 'a ''b'''}\naddons: []\n",
         #"{"default_process_types":{"web":"ruby app.rb","worker":"a 'b'"},"addons":[]}"#),
        // Procfiles
        ("web: java -jar app.jar --port=$PORT  # comment\nclock: ./clock\n",
         #"{"web":"java -jar app.jar --port=$PORT","clock":"./clock"}"#),
        ("web: node server.js http://x:1/y\r\n", #"{"web":"node server.js http://x:1/y"}"#),
        // JSON (staging_info.yml, VCAP_*)
        (#"{"detected_buildpack":"Ruby","start_command":"a \"b\" \u00e9\n","n":[1,true,null]}"#,
         #"{"detected_buildpack":"Ruby","start_command":"a \"b\" é\n","n":[1,true,null]}"#),
        // launch.yml
        ("processes:\n- type: web\n  command: ./run\n  platforms:\n    cloudfoundry:\n      sidecar_for: [web]\n",
         #"{"processes":[{"type":"web","command":"./run","platforms":{"cloudfoundry":{"sidecar_for":["web"]}}}]}"#),
        // block scalars, nulls, nested sequences, tags
        ("a: |\n  one\n   two\nb: >-\n  folded\n  text\nc: ~\nd:\n", #"{"a":"one\n two\n","b":"folded text","c":null,"d":null}"#),
        ("- - x\n  - y\n- k: v\n", #"[["x","y"],{"k":"v"}]"#),
        ("path: !ruby/object:Pathname\n  p: /x\n", #"{"path":{"p":"/x"}}"#),
        ("", "null"),
    ]

    @Test("parses the YAML buildpacks and CF write", arguments: documents)
    func parses(yaml: String, json: String) throws {
        let r = try run(try Lifecycle.tool(), ["yaml2json"], stdin: yaml)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == json + "\n")
    }

    @Test("rejects broken documents with a line number", arguments: [
        "default_process_types: [unclosed\n", "a: b: c\n", "a: 1\n  b: 2\n", "x: \"open\n",
    ])
    func rejects(yaml: String) throws {
        let r = try run(try Lifecycle.tool(), ["yaml2json"], stdin: yaml)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("yaml: line "))
    }

    @Test("JSON strings are escaped like Go's encoding/json")
    func goEscaping() throws {
        let r = try run(try Lifecycle.tool(), ["jsonstr"], stdin: "a<b>&c\"\\\n\t\u{01}\u{2028}é")
        #expect(r.stdout == #""a\u003cb\u003e\u0026c\"\\\n\t\u0001\u2028é""# + "\n")
    }
}
