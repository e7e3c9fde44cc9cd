import ArchGraph
import CPUBackend
import SizeAlgebra
import Testing

/// The backend's own header reader accepts what safetensors writes and names what is wrong.
@Suite struct SafetensorsHeaderTests {
    /// The problems of reading `header` (a JSON text) as a file with `data` bytes of data.
    static func problem(_ header: String, data: Int = 0) -> String? {
        let text = Array(header.utf8)
        let length = (0..<8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
        do {
            _ = try SafetensorsFile(bytes: length + text + [UInt8](repeating: 0, count: data))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsEscapedNamesAndMetadata() throws {
        let names = ["a\"b\\c", "tab\there", "ünï/çødé", "\u{1}", "emoji 🙂"]
        let tensors = names.map { (name: $0, tensor: Tensor(zeros: [1])) }
        let file = try SafetensorsFile(bytes: SafetensorsFile.encode(tensors, metadata: ["k\"ey": "v\u{8}\u{C}"]))
        #expect(file.entries.map(\.name) == names)
        #expect(file.metadata == ["k\"ey": "v\u{8}\u{C}"])
        let escaped = "{\"\\u00e9\\ud83d\\ude42\\/\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}"
        #expect(
            try SafetensorsFile(bytes: [UInt8(escaped.utf8.count), 0, 0, 0, 0, 0, 0, 0] + Array(escaped.utf8) + [0, 0, 0, 0])
                .entries.map(\.name) == ["é🙂/"])
    }

    @Test func rejectsMalformedHeaders() {
        #expect(Self.problem("{\"x\": [1, 2,]}") == "the header is not valid JSON: expected a value at byte 12, found ']'")
        #expect(Self.problem("{\"x\": 1, \"x\": 2}") == "the header is not valid JSON: the key \"x\" at byte 9 appears twice in one object")
        #expect(Self.problem("{\"x\": 01}") == "the header is not valid JSON: the number at byte 6 has a leading zero")
        #expect(
            Self.problem("{\"x\": \"\\q\"}")
                == "the header is not valid JSON: expected an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX) at byte 8, found 'q'"
        )
        #expect(
            Self.problem("{\"x\": \"\\udc00\"}")
                == "the header is not valid JSON: expected a high surrogate before a low one at byte 13, found '\"'")
        #expect(Self.problem("{} x") == "the header is not valid JSON: expected the end of the header after its value at byte 3, found 'x'")
        #expect(Self.problem("[1]") == "the header is not a JSON object")
        #expect(
            Self.problem(String(repeating: "[", count: 70))
                == "the header is not valid JSON: expected at most 64 nested arrays and objects at byte 64, found '['")
        #expect(
            Self.problem("{\"x\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", data: 4)
                == "tensor 'x' has a malformed shape or data_offsets in the header")
        #expect(
            Self.problem("{\"x\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", data: 4)
                == "tensor 'x' has a malformed shape or data_offsets in the header")
    }

    /// A node whose builder named none of its tensors cannot be loaded or saved, and says so.
    @Test func nodesWithoutReferenceNamesAreReported() throws {
        let builder = GraphBuilder(Binding(batch: 1, height: 2, width: 2))
        try builder.stage(StageInfo(name: "stage1", kind: .transformer), module: nil) {
            let image = try builder.add(.input(channels: 3), name: "image")
            let tokens = try builder.add(.imageToTokens, [image], name: "flatten")
            try builder.add(.layerNorm(channels: 3, eps: 1e-5), [tokens], name: "norm")
        }
        let graph = builder.finish(inputChannels: 3)
        let message = "node stage1/norm has weight, bias but its model's builder declares no reference names for them"
        func problems(_ body: () throws -> Void) -> [String] {
            do {
                try body()
                return []
            } catch let error as WeightsErrors {
                return error.problems.map(\.description)
            } catch {
                return ["\(error)"]
            }
        }
        #expect(problems { _ = try Weights.load(try SafetensorsFile(bytes: SafetensorsFile.encode([])), graph: graph) } == [message])
        #expect(problems { _ = try Weights.random(for: graph, seed: 1).named(graph: graph) } == [message])
    }
}
