import ArchGraph
import SizeAlgebra
import Testing

/// Reference names are the declared modules of the enclosing scopes and the node's own names.
@Suite("reference names in the builder")
struct ReferenceNameBuilderTests {
    /// `body` inside stage `stage2` (reference module `transformers.1`) of a 1 × 3 × 4 × 4 input,
    /// given the image and its tokens.
    func build(_ body: (GraphBuilder, Value, Value) throws -> Void) throws -> Graph {
        let builder = GraphBuilder(Binding(batch: 1, height: 4, width: 4))
        try builder.stage(StageInfo(name: "stage2", kind: .transformer), module: "transformers.1") {
            let image = try builder.add(.input(channels: 3), name: "image")
            try body(builder, image, try builder.add(.imageToTokens, [image], name: "flatten"))
        }
        return builder.finish(inputChannels: 3)
    }

    @Test func namesJoinTheDeclaredModules() throws {
        let graph = try build { b, image, x in
            try b.block("block0", module: "blocks.0") {
                _ = try b.scope("attn", module: "attn") {
                    try b.add(.linear(Linear(3, 9, bias: true)), [x], name: "qkv", reference: .module("qkv"))
                }
                _ = try b.scope("wrapper", module: nil) {
                    try b.add(.batchNorm(channels: 3, eps: 1e-5), [image], name: "bn", reference: .module("norm.bn"))
                }
            }
            try b.add(.learnedTokens(count: 1, channels: 3), name: "cls_token", reference: .tensors("cls_token"))
            try b.add(.layerNorm(channels: 3, eps: 1e-5), [x], name: "ln", reference: .tensors("g", "b"))
            try b.add(.layerNorm(channels: 3, eps: 1e-5), [x], name: "unnamed")
        }
        #expect(
            graph.nodes.map { $0.referenceParameters.map(\.name) } == [
                [], [], ["transformers.1.blocks.0.attn.qkv.weight", "transformers.1.blocks.0.attn.qkv.bias"],
                ["transformers.1.blocks.0.norm.bn.weight", "transformers.1.blocks.0.norm.bn.bias"],
                ["transformers.1.cls_token"], ["transformers.1.g", "transformers.1.b"], [],
            ])
        #expect(
            graph.nodes[3].referenceBuffers.map(\.name)
                == ["transformers.1.blocks.0.norm.bn.running_mean", "transformers.1.blocks.0.norm.bn.running_var"])
        #expect(graph.nodes.map(\.hasReferenceNames) == [true, true, true, true, true, true, false])
        #expect(graph.blocks == [BlockInfo(path: "stage2/block0", stage: 0)])
        #expect(graph.nodes.map(\.block) == [nil, nil, 0, 0, nil, nil, nil])
    }

    @Test func namesThatDoNotFitTheOpAreErrors() throws {
        #expect(throws: GraphError(path: "stage2/ln", message: "declares 1 reference names for 2 tensors (weight, bias)")) {
            _ = try build { b, _, x in try b.add(.layerNorm(channels: 3, eps: 1e-5), [x], name: "ln", reference: .tensors("g")) }
        }
        let patches = ReferenceLayout.pixelMajorPatches(channels: 3, height: 1, width: 1)
        #expect(throws: GraphError(path: "stage2/fc", message: "declares a reference layout for 'scale', which the op does not have")) {
            _ = try build { b, _, x in
                try b.add(.linear(Linear(3, 2, bias: true)), [x], name: "fc", reference: .module("fc").storing("scale", as: patches))
            }
        }
        let wide = ReferenceLayout.pixelMajorPatches(channels: 3, height: 2, width: 2)
        #expect(
            throws: GraphError(path: "stage2/fc", message: "declares a reference layout of 12 elements for 'weight', whose last axis has 3")
        ) {
            _ = try build { b, _, x in
                try b.add(.linear(Linear(3, 2, bias: true)), [x], name: "fc", reference: .module("fc").storing("weight", as: wide))
            }
        }
    }

    /// Graph features `(c, y, x)` of a 2-channel 1×2 patch sit at `(y·2 + x)·2 + c` in the reference.
    @Test func pixelMajorPatchesPermuteTheLastAxis() {
        let layout = ReferenceLayout.pixelMajorPatches(channels: 2, height: 1, width: 2)
        #expect(layout.axisLength == 4)
        #expect(layout.referenceIndices == [0, 2, 1, 3])
        #expect(ReferenceLayout.pixelMajorPatches(channels: 3, height: 2, width: 1).referenceIndices == [0, 3, 1, 4, 2, 5])
    }
}
