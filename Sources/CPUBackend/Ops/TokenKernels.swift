/// Layout-only ops: they move elements and do no arithmetic, so one implementation serves both
/// kernel sets. Each writes every element of its output, so none fills it with zeros first.
enum Layout {
    /// `tokens (1, n, C)` broadcast over the batch: `(B, n, C)`.
    static func broadcastTokens(_ tokens: Tensor, batch: Int) -> Tensor {
        let out = Tensor(uninitialized: [batch] + tokens.shape.dropFirst())
        for b in 0..<batch { (out.data + b * tokens.count).update(from: tokens.data, count: tokens.count) }
        return out
    }

    /// Concatenation along `axis`.
    static func concat(_ inputs: [Tensor], axis: Int) -> Tensor {
        var shape = inputs[0].shape
        shape[axis] = inputs.reduce(0) { $0 + $1.shape[axis] }
        let out = Tensor(uninitialized: shape)
        let outer = shape[..<axis].reduce(1, *)
        let outRow = shape[axis...].reduce(1, *)
        var offset = 0
        for input in inputs {
            let row = input.shape[axis...].reduce(1, *)
            for o in 0..<outer { (out.data + o * outRow + offset).update(from: input.data + o * row, count: row) }
            offset += row
        }
        return out
    }

    /// `length` entries from `start` along `axis`.
    static func slice(_ x: Tensor, axis: Int, start: Int, length: Int) -> Tensor {
        var shape = x.shape
        shape[axis] = length
        let out = Tensor(uninitialized: shape)
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let inRow = x.shape[axis...].reduce(1, *), outRow = length * inner
        for o in 0..<outer { (out.data + o * outRow).update(from: x.data + o * inRow + start * inner, count: outRow) }
        return out
    }

    /// `(B, h·w, C) → (B, C, h, w)`.
    static func tokensToImage(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(uninitialized: [batch, channels, height, width])
        transpose(x.data, out.data, batch: batch, rows: tokens, columns: channels)
        return out
    }

    /// `(B, C, H, W) → (B, H·W, C)`.
    static func imageToTokens(_ x: Tensor) -> Tensor {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let out = Tensor(uninitialized: [batch, pixels, channels])
        transpose(x.data, out.data, batch: batch, rows: channels, columns: pixels)
        return out
    }

    /// Token `index` of every batch entry: `(B, N, C) → (B, C)`.
    static func selectToken(_ x: Tensor, index: Int) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(uninitialized: [batch, channels])
        for b in 0..<batch { (out.data + b * channels).update(from: x.data + (b * tokens + index) * channels, count: channels) }
        return out
    }

    /// Per batch entry, `(rows, columns) → (columns, rows)`, in 8×8 tiles.
    static func transpose(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, rows: Int, columns: Int) {
        let tile = 8
        for b in 0..<batch {
            let src = x + b * rows * columns, dst = y + b * rows * columns
            for r0 in stride(from: 0, to: rows, by: tile) {
                for c0 in stride(from: 0, to: columns, by: tile) {
                    for r in r0..<min(r0 + tile, rows) {
                        for c in c0..<min(c0 + tile, columns) { dst[c * rows + r] = src[r * columns + c] }
                    }
                }
            }
        }
    }
}

// Backward of the layout ops: the gradient moved back where the forward took it from. A token
// slice's and a selected token's gradients are added into their input's gradient in place (see
// `GradientStore`); the broadcast tokens' gradient is a batch sum (`batchSum`).

extension Keeps {
    /// Layout moves keep nothing.
    static let layout: [Keep] = []
}

extension Layout {
    /// The inverse of ``concat(_:axis:)``: `g` cut along `axis` into pieces of `sizes`.
    static func split(_ g: Tensor, axis: Int, sizes: [Int]) -> [Tensor] {
        let outer = g.shape[..<axis].reduce(1, *), inner = g.shape[(axis + 1)...].reduce(1, *)
        let row = g.shape[axis] * inner
        var offset = 0
        return sizes.map { size in
            var shape = g.shape
            shape[axis] = size
            let piece = Tensor(uninitialized: shape)
            for o in 0..<outer { (piece.data + o * size * inner).update(from: g.data + o * row + offset, count: size * inner) }
            offset += size * inner
            return piece
        }
    }

    /// Adds `g`, a slice of `length` entries from `start` along `axis`, into `target`.
    static func addSlice(_ g: Tensor, into target: Tensor, axis: Int, start: Int) {
        let outer = target.shape[..<axis].reduce(1, *), inner = target.shape[(axis + 1)...].reduce(1, *)
        let row = target.shape[axis] * inner, piece = g.shape[axis] * inner
        for o in 0..<outer {
            let destination = target.data + o * row + start * inner, source = g.data + o * piece
            Rows.zip(destination, source, destination, count: piece, +)
        }
    }

    /// Adds `g` `(B, C)` into token `index` of `target` `(B, N, C)`.
    static func addToken(_ g: Tensor, into target: Tensor, index: Int) {
        let (batch, tokens, channels) = (target.shape[0], target.shape[1], target.shape[2])
        for b in 0..<batch {
            let destination = target.data + (b * tokens + index) * channels
            Rows.zip(destination, g.data + b * channels, destination, count: channels, +)
        }
    }
}
