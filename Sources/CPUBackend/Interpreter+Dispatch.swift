import ArchGraph
import SizeAlgebra

extension Interpreter {
    /// Runs one node's kernel: the single place that maps each op to its kernel.
    func execute(
        _ node: Node, _ x: [Tensor], image: Tensor, kernels: any KernelSet, threads: Int,
        _ counters: inout Counters
    ) throws(BackendError) -> Tensor {
        let p = NodeParameters(weights: weights, index: node.index)
        switch node.op {
        case .input:
            let expected = try Weights.concrete(node.shape, node)
            guard image.shape == expected else {
                throw BackendError(path: node.path, message: "input has shape \(image.shape), the graph expects \(expected)")
            }
            return image
        case .conv2d(let conv):
            return kernels.conv2d(x[0], weight: p[0], bias: conv.bias ? p[1] : nil, conv, threads: threads, &counters)
        case .linear(let linear):
            return kernels.linear(
                x[0], weight: weights.linearWeight(node.index), bias: linear.bias ? p[1] : nil,
                threads: threads, &counters)
        case .layerNorm(let channels, let eps):
            return kernels.layerNorm(x[0], width: channels, weight: p[0], bias: p[1], eps: Float(eps), threads: threads, &counters)
        case .headLayerNorm(_, let headDim, let eps):
            return kernels.layerNorm(x[0], width: headDim, weight: p[0], bias: p[1], eps: Float(eps), threads: threads, &counters)
        case .layerScale:
            return kernels.layerScale(x[0], p[0], &counters)
        case .batchNorm(_, let eps):
            let state = weights.buffers[node.index]
            return kernels.batchNorm(
                x[0], weight: p[0], bias: p[1], mean: state[0], variance: state[1], eps: Float(eps),
                &counters)
        case .activation(let kind):
            return kernels.activation(x[0], kind, threads: threads, &counters)
        case .add:
            return kernels.add(x[0], x[1], &counters)
        case .average:
            return kernels.average(x, &counters)
        case .learnedTokens:
            return Layout.broadcastTokens(p[0], batch: image.shape[0])
        case .positionEmbedding:
            return kernels.positionEmbedding(x[0], p[0], &counters)
        case .concat(let axis):
            return Layout.concat(x, axis: axis)
        case .slice(let axis, let start, let length):
            return Layout.slice(x[0], axis: axis, start: try value(start, node), length: try value(length, node))
        case .tokensToImage(let height, let width):
            return Layout.tokensToImage(x[0], height: try value(height, node), width: try value(width, node))
        case .imageToTokens:
            return Layout.imageToTokens(x[0])
        case .unfold(let window):
            return kernels.unfold(x[0], window)
        case .attentionScores(let heads, let scale):
            return kernels.attentionScores(q: x[0], k: x[1], heads: heads, scale: Float(scale), threads: threads, &counters)
        case .softmax:
            return kernels.softmax(x[0], threads: threads, &counters)
        case .attentionContext(let heads):
            return kernels.attentionContext(attention: x[0], v: x[1], heads: heads, threads: threads, &counters)
        case .performerAttention:
            return kernels.performerAttention(x[0], projection: p[0], threads: threads, &counters)
        case .maxPool2d(let window):
            return kernels.maxPool2d(x[0], window, &counters)
        case .globalAveragePool:
            return kernels.globalAveragePool(x[0], &counters)
        case .meanTokens:
            return kernels.meanTokens(x[0], &counters)
        case .maxTokens:
            return kernels.maxTokens(x[0], &counters)
        case .selectToken(let index):
            return Layout.selectToken(x[0], index: index)
        case .roll(let height, let width, let shift):
            return Layout.roll(x[0], height: try value(height, node), width: try value(width, node), shift: shift)
        case .windowPartition(let height, let width, let window):
            return Layout.windows(
                x[0], batch: image.shape[0], height: try value(height, node), width: try value(width, node), window: window,
                merge: false)
        case .windowMerge(let height, let width, let window):
            return Layout.windows(
                x[0], batch: image.shape[0], height: try value(height, node), width: try value(width, node), window: window,
                merge: true)
        case .patchMerge(let height, let width):
            return Layout.patchMerge(x[0], height: try value(height, node), width: try value(width, node))
        case .relativePositionBias(_, let window):
            return kernels.relativePositionBias(x[0], table: p[0], window: window, &counters)
        case .windowMask(let height, let width, let window, let shift):
            return kernels.windowMask(
                x[0], height: try value(height, node), width: try value(width, node), window: window, shift: shift, &counters)
        }
    }

    /// A size of a graph built at a concrete size.
    func value(_ size: Expr, _ node: Node) throws(BackendError) -> Int {
        guard let value = size.constant else {
            throw BackendError(path: node.path, message: "size \(size) is symbolic; build the graph at a concrete size")
        }
        return value
    }
}

/// One node's parameters by position, read from ``Weights`` only when a kernel asks for them.
struct NodeParameters {
    let weights: Weights
    let index: Int

    subscript(position: Int) -> Tensor { weights.parameter(index, position) }
}
