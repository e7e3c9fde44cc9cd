import ArchGraph
import CPUBackend
import Foundation
import SizeAlgebra
import Testing

@testable import Architectures

/// The training step's analysis against PyTorch, figure by figure: for every model of
/// `Tests/Fixtures/training-counts.json` (written by `scripts/training_counts.py`: every preset
/// at two sizes, the numeric fixtures' small models and vit-pytorch calls, at batch 2), in
/// float32 and under CPU bf16 autocast, with fused and eager attention where the family has
/// both: forward and backward MACs as `FlopCounterMode` counts them, and the bytes of the
/// distinct storages autograd saves during the forward (`saved_tensors_hooks`), equal to the
/// unit and to the byte.
@Suite struct TrainingReferenceTests {
    struct Measured: Sendable, CustomStringConvertible {
        let key: String
        let config: String
        let inputShape: [Int]
        let forwardMacs: Int, backwardMacs: Int, savedBytes: Int
        var description: String { "\(key) [\(config)]" }
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training-counts.json")

    static let all: [Measured] = {
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let models = root["models"] as? [String: [String: Any]]
        else { return [] }
        var measured: [Measured] = []
        for key in models.keys.sorted() {
            guard let configs = models[key]?["configs"] as? [String: [String: Any]],
                let shape = models[key]?["input_shape"] as? [Int], shape.count == 4
            else { continue }
            for config in configs.keys.sorted() {
                guard let values = configs[config], let forward = values["forward_macs"] as? Int,
                    let backward = values["backward_macs"] as? Int, let saved = values["saved_bytes"] as? Int
                else { continue }
                measured.append(
                    Measured(key: key, config: config, inputShape: shape, forwardMacs: forward, backwardMacs: backward, savedBytes: saved))
            }
        }
        return measured
    }()

    /// The model a fixture key names, and the input it was measured on.
    static func model(_ key: String, shape: [Int]) throws -> (spec: ModelSpec, binding: Binding) {
        let binding = Binding(batch: shape[0], height: shape[2], width: shape[3])
        let size = ImageSize(height: shape[2], width: shape[3])
        if key.hasPrefix("fixture:") {
            let name = String(key.dropFirst("fixture:".count))
            let folder = url.deletingLastPathComponent().appendingPathComponent("numeric")
            let file = try SafetensorsFile(bytes: Array(Data(contentsOf: folder.appendingPathComponent(name + ".safetensors"))))
            if let call = file.metadata["vit_pytorch_call"] {
                return (try VitPytorch.spec(call: call).applying(Overrides(imageSize: size)), binding)
            }
            return (try SpecDecoder.decode(try #require(file.metadata["spec"])), binding)
        }
        if key.hasPrefix("vit_pytorch:") {
            let call = String(key.dropFirst("vit_pytorch:".count).split(separator: " on ").first ?? "")
            return (try VitPytorch.spec(call: call).applying(Overrides(imageSize: size)), binding)
        }
        // `NAME HxW`, or for Swin `NAME HxW-windowN`: built with img_size and window_size=N.
        let parts = key.split(separator: " ").map(String.init)
        let name = try #require(parts.first)
        var spec = try #require(Zoo.preset(name), "no preset \(name)")
        spec.imageSize = size
        let windowPart = parts.last?.split(separator: "-window").dropFirst().first
        if let window = windowPart.flatMap({ Int($0) }), case .swin(var c) = spec.config {
            c.windowSize = Array(repeating: window, count: c.depths.count)
            spec.config = .swin(c)
        }
        return (spec, binding)
    }

    /// The setup a configuration key (`fp32 fused`, `bf16 eager`, `fp32 none`) names, with
    /// CPU autocast lists (the measurement ran on the CPU) and the dropouts off, as measured.
    static func setup(_ config: String) throws -> TrainingSetup {
        let parts = config.split(separator: " ").map(String.init)
        let precision = try #require(Precision(rawValue: parts[0]))
        let attention = parts.count > 1 ? AttentionImplementation(rawValue: parts[1]) ?? .eager : .eager
        return TrainingSetup(attention: attention, precision: precision, device: .cpu, dropout: false)
    }

    /// Backward MACs as `FlopCounterMode` reports them: it counts a grouped convolution's
    /// weight gradient as if the convolution were dense (its formula drops the group division
    /// there, pytorch/pytorch#183405), so that term is `groups` times the work done; and its
    /// fused-attention backward includes the `q·kᵀ` the kernel recomputes, which vitscope
    /// reports apart as recompute MACs.
    static func flopCounterBackward(_ analysis: TrainingAnalysis, _ binding: Binding) throws -> Int {
        var total = 0
        for (node, record) in zip(analysis.graph.nodes, analysis.nodes) {
            var weight = try record.backward.weightGradientMacs.evaluate(binding)
            if case .conv2d(let conv) = node.op { weight *= conv.groups }
            total += try record.backward.inputGradientMacs.evaluate(binding) + weight + record.recomputeMacs.evaluate(binding)
        }
        return total
    }

    /// The closed forms `formula` prints, built once per preset in B, H and W at its own size,
    /// evaluated at each size PyTorch measured (Swin only at its own: its windows are chosen for
    /// the grid), equal PyTorch's backward MACs and saved bytes.
    @Test(arguments: Zoo.all)
    func closedFormsMatchPyTorch(_ preset: ModelSpec) throws {
        let measured = Self.all.filter { $0.key.hasPrefix(preset.name + " ") && !$0.key.contains("-window") }
        let graph = try preset.symbolicGraph()
        var compared = 0
        for config in Set(measured.map(\.config)).sorted() {
            let form = TrainingClosedForm(preset, graph: graph, setup: try Self.setup(config))
            let analysis = TrainingAnalysis(graph, setup: form.setup)
            for m in measured where m.config == config {
                let binding = Binding(batch: m.inputShape[0], height: m.inputShape[2], width: m.inputShape[3])
                let ownSize = binding.height == preset.imageSize.height && binding.width == preset.imageSize.width
                guard preset.family != .swin || ownSize else { continue }
                #expect(try form.savedBytes.evaluate(binding) == m.savedBytes, "\(m) saved bytes")
                #expect(try Self.flopCounterBackward(analysis, binding) == m.backwardMacs, "\(m) backward MACs")
                compared += 1
            }
        }
        #expect(compared > 0, "\(preset.name): nothing compared")
        if preset.family != .swin { #expect(compared == measured.count) }
    }

    @Test func fixtureCoversEveryPresetAndFixture() {
        let keys = Set(Self.all.map(\.key))
        for preset in Zoo.all {
            #expect(keys.contains { $0.hasPrefix(preset.name + " ") }, "\(preset.name) is not measured")
        }
        #expect(Self.all.count > 0)
    }

    @Test(arguments: all)
    func matchesPyTorch(_ measured: Measured) throws {
        let (spec, binding) = try Self.model(measured.key, shape: measured.inputShape)
        let graph = try spec.graph(batch: Expr(binding.batch), height: Expr(binding.height), width: Expr(binding.width))
        let analysis = TrainingAnalysis(graph, setup: try Self.setup(measured.config))
        #expect(try analysis.forwardMacs.evaluate(binding) == measured.forwardMacs, "forward MACs")
        #expect(try Self.flopCounterBackward(analysis, binding) == measured.backwardMacs, "backward MACs")
        #expect(try analysis.savedBytes.evaluate(binding) == measured.savedBytes, "saved bytes")
    }
}
