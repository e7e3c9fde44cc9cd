import ArchGraph
import Architectures
import CPUBackend
import Foundation
import Testing

/// Weight files that cannot be used are rejected with every problem named by tensor.
@Suite struct WeightFileTests {
    static let spec = ModelSpec(
        name: "tiny", reference: "", imageSize: ImageSize(16), numClasses: 3,
        config: .vit(ViTConfig(patchSize: 8, embedDim: 8, depth: 1, numHeads: 2, mlpRatio: 2)))

    static func tensors() throws -> (graph: Graph, named: [(name: String, tensor: Tensor)]) {
        let graph = try spec.graph(batch: 1)
        return (graph, try Weights.random(for: graph, seed: 3).named(graph: graph))
    }

    static func problems(_ bytes: [UInt8]) throws -> [String] {
        let graph = try spec.graph(batch: 1)
        do {
            _ = try Weights.load(try SafetensorsFile(bytes: bytes), graph: graph)
            return []
        } catch let error as WeightsErrors {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func roundTripsUnderReferenceNames() throws {
        let (graph, named) = try Self.tensors()
        #expect(
            named.map(\.name) == [
                "patch_embed.proj.weight", "patch_embed.proj.bias", "cls_token", "pos_embed", "blocks.0.norm1.weight",
                "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight",
                "blocks.0.attn.proj.bias", "blocks.0.norm2.weight", "blocks.0.norm2.bias", "blocks.0.mlp.fc1.weight",
                "blocks.0.mlp.fc1.bias", "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias", "norm.weight", "norm.bias",
                "head.weight", "head.bias",
            ])
        let loaded = try Weights.load(try SafetensorsFile(bytes: SafetensorsFile.encode(named)), graph: graph)
        #expect(try loaded.named(graph: graph).map(\.tensor.values) == named.map(\.tensor.values))
    }

    @Test func reportsMissingExtraAndMisshapenTensors() throws {
        var named = try Self.tensors().named
        named.removeAll { $0.name == "blocks.0.attn.qkv.bias" }
        named[0] = ("patch_embed.proj.weight", Tensor(zeros: [8, 3, 4, 4]))
        named.append(("head_dist.weight", Tensor(zeros: [3, 8])))
        #expect(
            try Self.problems(SafetensorsFile.encode(named)) == [
                "tensor 'patch_embed.proj.weight' has shape [8, 3, 4, 4] but node embed/patch_embed/proj needs [8, 3, 8, 8]",
                "tensor 'blocks.0.attn.qkv.bias' is missing (node stage1/block0/attn/qkv needs bias of shape [24])",
                "tensor 'head_dist.weight' is not used by any node of the model (shape [3, 8])",
            ])
    }

    @Test func rejectsTruncatedAndForeignFiles() throws {
        let bytes = SafetensorsFile.encode(try Self.tensors().named)
        #expect(
            try Self.problems(Array(bytes.prefix(5)))
                == ["the file is 5 bytes long; a safetensors file starts with an 8-byte header length"])
        let truncated = try Self.problems(Array(bytes.dropLast(10)))
        #expect(truncated == ["tensor 'head.bias' needs bytes 8928..<8940 but the data section has 8930; the file is truncated"])
        let foreign = try Self.problems(Array("{\"a\": 1}".utf8) + [UInt8](repeating: 0, count: 8))
        #expect(
            foreign == [
                "the header claims 9021026962656797307 bytes but the file has 8 after the length; the file is truncated or not safetensors"
            ])
        let header = Array("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}".utf8)
        #expect(
            try Self.problems([UInt8(header.count), 0, 0, 0, 0, 0, 0, 0] + header + [0, 0, 0, 0])
                == ["tensor 'x' has 4 bytes but shape [2] of F32 needs 8"])
    }

    @Test func rejectsOtherDtypesByName() throws {
        var bytes = SafetensorsFile.encode(try Self.tensors().named)
        // Relabel the first tensor as F16 with half the elements: a valid file vitscope cannot use.
        let text = String(decoding: bytes, as: UTF8.self)
        let patched = text.replacingOccurrences(
            of: "\"patch_embed.proj.weight\":{\"dtype\":\"F32\",\"shape\":[8,3,8,8]",
            with: "\"patch_embed.proj.weight\":{\"dtype\":\"F16\",\"shape\":[16,3,8,8]")
        bytes = Array(patched.utf8)
        #expect(
            try Self.problems(bytes) == [
                "tensor 'patch_embed.proj.weight' has shape [16, 3, 8, 8] but node embed/patch_embed/proj needs [8, 3, 8, 8]"
            ])
    }
}
