import ArchGraph
import SizeAlgebra
import Testing

@Suite("Graph builder and op costs")
struct GraphBuilderTests {
    /// A one-stage builder at `batch × 3 × size × size`.
    func build(batch: Int = 2, size: Int = 32, _ body: (GraphBuilder, Value) throws -> Void) throws -> Graph {
        let builder = GraphBuilder(Binding(batch: batch, height: size, width: size))
        try builder.stage(StageInfo(name: "stage1", kind: .conv), module: nil) {
            let image = try builder.add(.input(channels: 3), name: "image")
            try body(builder, image)
        }
        return builder.finish(inputChannels: 3)
    }

    @Test func groupedConvCountsPerGroup() throws {
        let graph = try build { b, x in
            let conv = try b.add(.conv2d(Conv2d(3, 12, Window(kernel: 3, stride: 2, padding: 1), bias: true)), [x], name: "conv")
            try b.add(.conv2d(Conv2d(12, 24, Window(kernel: 3, stride: 1, padding: 1), groups: 12, bias: false)), [conv], name: "dw")
        }
        let conv = graph.nodes[1], dw = graph.nodes[2]
        #expect(conv.shape.map(\.constant) == [2, 12, 16, 16])
        #expect(conv.cost.params.constant == 12 * 3 * 9 + 12)
        #expect(conv.cost.macs.constant == 2 * 12 * 16 * 16 * 3 * 9)
        // Depthwise with multiplier 2: each output reads 1 input channel × 3 × 3.
        #expect(dw.cost.params.constant == 24 * 1 * 9)
        #expect(dw.cost.macs.constant == 2 * 24 * 16 * 16 * 9)
    }

    @Test func attentionProductsAndNormsCost() throws {
        let graph = try build(batch: 1, size: 8) { b, x in
            let tokens = try b.add(.imageToTokens, [x], name: "flatten")  // (1, 64, 3)
            let norm = try b.add(.layerNorm(channels: 3, eps: 1e-6), [tokens], name: "norm")
            let qkv = try b.add(.linear(Linear(3, 12, bias: false)), [norm], name: "qkv")  // (1, 64, 12)
            let q = try b.add(.slice(axis: 2, start: 0, length: 4), [qkv], name: "q")
            let k = try b.add(.slice(axis: 2, start: 4, length: 4), [qkv], name: "k")
            let v = try b.add(.slice(axis: 2, start: 8, length: 4), [qkv], name: "v")
            let s = try b.add(.attentionScores(heads: 2, scale: 0.5), [q, k], name: "scores")
            let p = try b.add(.softmax, [s], name: "softmax")
            try b.add(.attentionContext(heads: 2), [p, v], name: "context")
        }
        let byName = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.path, $0) })
        #expect(byName["stage1/norm"]?.cost.fvcoreExtra.constant == 5 * 64 * 3)
        #expect(byName["stage1/norm"]?.cost.params.constant == 6)
        #expect(byName["stage1/qkv"]?.cost.macs.constant == 64 * 3 * 12)
        #expect(byName["stage1/scores"]?.shape.map(\.constant) == [1, 2, 64, 64])
        #expect(byName["stage1/scores"]?.cost.macs.constant == 2 * 64 * 64 * 2)
        #expect(byName["stage1/context"]?.shape.map(\.constant) == [1, 64, 4])
        #expect(byName["stage1/context"]?.cost.macs.constant == 2 * 64 * 64 * 2)
        #expect(byName["stage1/softmax"]?.cost.elementwise.constant == 2 * 64 * 64)
        #expect(
            graph.totalCost.activations.constant
                == [64 * 3, 64 * 3, 64 * 12, 64 * 4, 64 * 4, 64 * 4, 2 * 64 * 64, 2 * 64 * 64, 64 * 4].reduce(0, +))
    }

    @Test func frozenParametersAreNotTrainable() throws {
        let graph = try build(batch: 1, size: 4) { b, x in
            let tokens = try b.add(.imageToTokens, [x], name: "flatten")  // (1, 16, 3)
            let kqv = try b.add(.linear(Linear(3, 6, bias: true)), [tokens], name: "kqv")  // e = 2
            try b.add(.performerAttention(features: 5), [kqv], name: "prm")
            try b.add(.positionEmbedding(shape: [16, 3], role: .frozen), [tokens], name: "pos")
        }
        let cost = graph.totalCost
        #expect(cost.params.constant == (3 * 6 + 6) + 5 * 2 + 16 * 3)
        #expect(cost.trainableParams.constant == 3 * 6 + 6)
        // Performer: T·m·(4e + 1) with T = 16, m = 5, e = 2.
        #expect(graph.nodes[3].cost.macs.constant == 16 * 5 * 9)
    }

    @Test func shapeErrorsNameTheScopePath() throws {
        #expect(
            throws: GraphError(
                path: "stage1/block0/unflatten",
                message: "tokens_to_image token count and grid 5×5: 16 ≠ 25")
        ) {
            _ = try build(batch: 1, size: 4) { b, x in
                let tokens = try b.add(.imageToTokens, [x], name: "flatten")
                _ = try b.scope("block0", module: nil) { try b.add(.tokensToImage(height: 5, width: 5), [tokens], name: "unflatten") }
            }
        }
        #expect(throws: GraphError(path: "stage1/conv", message: "conv2d input channels: 3 ≠ 4")) {
            _ = try build { b, x in try b.add(.conv2d(Conv2d(4, 8, Window(kernel: 1, stride: 1), bias: false)), [x], name: "conv") }
        }
        #expect(throws: GraphError(path: "stage1/scores", message: "attention_scores width 3 is not divisible by 2 heads")) {
            _ = try build(batch: 1, size: 2) { b, x in
                let t = try b.add(.imageToTokens, [x], name: "t")
                try b.add(.attentionScores(heads: 2, scale: 1), [t, t], name: "scores")
            }
        }
    }

    @Test func sizesBeyondInt64AreErrorsNotTraps() throws {
        let builder = GraphBuilder(Binding(batch: 1, height: 1 << 32, width: 1 << 32))
        #expect(
            throws: GraphError(
                path: "stage1/flatten", message: "image_to_tokens output size does not fit in a 64-bit integer",
                isOverflow: true)
        ) {
            try builder.stage(StageInfo(name: "stage1", kind: .embed), module: nil) {
                let image = try builder.add(.input(channels: 3), name: "image")
                try builder.add(.imageToTokens, [image], name: "flatten")
            }
        }
    }

    @Test func symbolicMismatchesBecomeConstraints() throws {
        let builder = GraphBuilder.symbolic()
        try builder.stage(StageInfo(name: "stage1", kind: .embed), module: nil) {
            let image = try builder.add(.input(channels: 3), name: "image")
            let tokens = try builder.add(.imageToTokens, [image], name: "flatten")
            try builder.add(.tokensToImage(height: .H, width: .H), [tokens], name: "square")
        }
        let graph = builder.finish(inputChannels: 3)
        #expect(graph.constraints.map(\.path) == ["stage1/square"])
        #expect(throws: SummaryError.constraint(path: "stage1/square", what: "token count and grid H×H", lhs: 12, rhs: 9)) {
            try graph.check(at: Binding(batch: 1, height: 3, width: 4))
        }
        #expect(try graph.summarize(at: Binding(batch: 2, height: 3, width: 3)).outputShape == [2, 3, 3, 3])
    }
}
