/// The gradients of the graph's values during a backward, added up as they arrive: a value read
/// by several nodes gets the sum of their gradients. A gradient handed on unchanged (a sum's,
/// a mask's) is shared, so the store copies it before adding into it; additions are the
/// engine's work, never counted against a node.
struct GradientStore {
    private var tensors: [Tensor?]
    /// Whether the store may add into `tensors[i]` in place (no one else holds it).
    private var owned: [Bool]
    let shapes: [[Int]]

    init(shapes: [[Int]]) {
        self.shapes = shapes
        tensors = Array(repeating: nil, count: shapes.count)
        owned = Array(repeating: false, count: shapes.count)
    }

    /// Adds `gradient` to value `node`'s; `owned` says the caller gives it up (the store may add
    /// into it). Nothing happens for `nil`.
    mutating func add(_ gradient: Tensor?, to node: Int, owned given: Bool = true) {
        guard let gradient else { return }
        guard let existing = tensors[node] else {
            tensors[node] = gradient
            owned[node] = given
            return
        }
        if owned[node] {
            Rows.zip(existing.data, gradient.data, existing.data, count: existing.count, +)
        } else if given {
            Rows.zip(gradient.data, existing.data, gradient.data, count: gradient.count, +)
            (tensors[node], owned[node]) = (gradient, true)
        } else {
            let sum = Tensor(uninitialized: shapes[node])
            Rows.zip(existing.data, gradient.data, sum.data, count: sum.count, +)
            (tensors[node], owned[node]) = (sum, true)
        }
    }

    /// Adds `gradient`, the gradient of a slice from `start` along `axis`, into value `node`'s.
    mutating func addSlice(_ gradient: Tensor, to node: Int, axis: Int, start: Int) {
        Layout.addSlice(gradient, into: buffer(node), axis: axis, start: start)
    }

    /// Adds `gradient` `(B, C)`, the gradient of token `index`, into value `node`'s `(B, N, C)`.
    mutating func addToken(_ gradient: Tensor, to node: Int, index: Int) {
        Layout.addToken(gradient, into: buffer(node), index: index)
    }

    /// Takes value `node`'s gradient out of the store, with whether the taker may write into it.
    mutating func take(_ node: Int) -> (tensor: Tensor, owned: Bool)? {
        guard let tensor = tensors[node] else { return nil }
        tensors[node] = nil
        return (tensor, owned[node])
    }

    /// Value `node`'s gradient as a tensor the store owns, zeros when none has arrived.
    private mutating func buffer(_ node: Int) -> Tensor {
        if let tensor = tensors[node], owned[node] { return tensor }
        let buffer = Tensor(zeros: shapes[node])
        if let tensor = tensors[node] { buffer.data.update(from: tensor.data, count: buffer.count) }
        (tensors[node], owned[node]) = (buffer, true)
        return buffer
    }
}
