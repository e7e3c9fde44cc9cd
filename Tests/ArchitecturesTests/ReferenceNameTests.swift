import ArchGraph
import Architectures
import CPUBackend
import Foundation
import TestSupport
import Testing

/// The `state_dict` names the builders declare are exactly those the reference
/// implementations use, as the scope-path parsing they replace derived them.
@Suite("reference names")
struct ReferenceNameTests {
    /// `Tests/Fixtures/reference-names.json`: model → its sorted names, and the names stored pixel-major.
    struct Expected: Sendable {
        let names: [String: [String]]
        let pixelMajor: [String: [String]]
    }

    static let expected: Expected = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference-names.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let groups = root["groups"] as? [[String: [String]]],
            let pixelMajor = root["pixel_major"] as? [String: [String]]
        else { return Expected(names: [:], pixelMajor: [:]) }
        var names: [String: [String]] = [:]
        for group in groups {
            let expanded = (group["names"] ?? []).flatMap(expand).sorted()
            for model in group["models"] ?? [] { names[model] = expanded }
        }
        return Expected(names: names, pixelMajor: pixelMajor)
    }()

    /// `blocks.{0..2}.norm1.weight` → `blocks.0.norm1.weight`, `blocks.1.norm1.weight`, `blocks.2.norm1.weight`.
    static func expand(_ pattern: String) -> [String] {
        guard let open = pattern.firstIndex(of: "{"), let close = pattern[open...].firstIndex(of: "}") else { return [pattern] }
        let bounds = pattern[pattern.index(after: open)..<close].components(separatedBy: "..").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return [pattern] }
        return (bounds[0]...bounds[1]).map { String(pattern[..<open]) + String($0) + String(pattern[pattern.index(after: close)...]) }
    }

    static let models = Zoo.all + VitPytorch.examples

    /// Every parameter and buffer of `spec`'s graph with how the reference stores it.
    static func tensors(_ spec: ModelSpec) throws -> [ReferenceTensor] {
        try spec.graph(batch: 1).nodes.flatMap { node in
            #expect(node.hasReferenceNames, "\(spec.name): \(node.path) declares no reference names")
            return node.referenceParameters + node.referenceBuffers
        }
    }

    @Test func theFixtureCoversEveryPresetAndExample() {
        #expect(Self.expected.names.keys.sorted() == Self.models.map(\.name).sorted())
        #expect(Self.expected.names["vit_base_patch16_224"]?.count == 152)
    }

    @Test(arguments: models)
    func namesAreTheReferenceImplementations(_ spec: ModelSpec) throws {
        let tensors = try Self.tensors(spec)
        #expect(tensors.map(\.name).sorted() == Self.expected.names[spec.name])
        #expect(tensors.filter { $0.layout != nil }.map(\.name) == Self.expected.pixelMajor[spec.name] ?? [])
    }

    /// vit-pytorch's ViT cuts 32×32 patches of 3 channels into `(p1 p2 c)` features.
    @Test func vitPytorchViTDeclaresItsPatchOrder() throws {
        let spec = try #require(VitPytorch.examples.first { $0.name == "vit_pytorch_vit" })
        let layouts = try Self.tensors(spec).compactMap(\.layout)
        #expect(layouts == Array(repeating: .pixelMajorPatches(channels: 3, height: 32, width: 32), count: 3))
    }

    /// Names within one model never collide, for random small configs of every family too.
    @Test func namesAreUnique() throws {
        var generator = SeededGenerator(seed: 11)
        for spec in Self.models + (0..<30).map({ _ in RandomSpecs.make(&generator) }) {
            guard let tensors = try? Self.tensors(spec) else { continue }
            #expect(Set(tensors.map(\.name)).count == tensors.count, "\(spec.name)")
        }
    }
}
