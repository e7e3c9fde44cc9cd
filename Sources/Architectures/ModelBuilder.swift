import ArchGraph
import SizeAlgebra

extension ModelSpec {
    /// The graph of this model for inputs of size `batch × inChannels × height × width`, each a
    /// variable or a constant. Size-dependent parameters (position embeddings) are built for
    /// that input, as timm does with `img_size=`.
    /// - Throws: ``GraphError`` naming the node whose shapes do not fit.
    public func graph(batch: Expr, height: Expr, width: Expr) throws -> Graph {
        let builder = GraphBuilder(batch: batch, height: height, width: width)
        try build(into: builder)
        return builder.finish(inputChannels: inChannels)
    }

    /// The summed cost of the graph at the concrete size `batch × imageSize`, built by the same
    /// code as ``graph(batch:)`` but keeping no node.
    public func graphTotals(batch: Int) throws -> GraphTotals {
        let builder = GraphBuilder(totalsAt: Binding(batch: batch, height: imageSize.height, width: imageSize.width))
        try build(into: builder)
        return builder.finishTotals()
    }

    private func build(into builder: GraphBuilder) throws {
        switch config {
        case .vit(let c): try builder.buildViT(c, inChannels: inChannels, numClasses: numClasses)
        case .pit(let c): try builder.buildPiT(c, inChannels: inChannels, numClasses: numClasses)
        case .t2tViT(let c): try builder.buildT2TViT(c, inChannels: inChannels, numClasses: numClasses)
        case .cvt(let c): try builder.buildCvT(c, inChannels: inChannels, numClasses: numClasses)
        case .resnet(let c): try builder.buildResNet(c, inChannels: inChannels, numClasses: numClasses)
        case .swin(let c): try builder.buildSwin(c, inChannels: inChannels, numClasses: numClasses, ownSize: imageSize)
        case .vitPytorch(let c): try builder.buildVitPytorch(c, inChannels: inChannels, numClasses: numClasses)
        }
    }

    /// The graph at the concrete size `batch × imageSize`.
    public func graph(batch: Int) throws -> Graph {
        try graph(batch: Expr(batch), height: Expr(imageSize.height), width: Expr(imageSize.width))
    }

    /// The graph in the variables B, H and W.
    public func symbolicGraph() throws -> Graph {
        try graph(batch: .B, height: .H, width: .W)
    }
}
