/// How a reference implementation stores one of a node's tensors: its `state_dict` name and,
/// where it differs from the graph's, its element order.
public struct ReferenceTensor: Hashable, Sendable {
    /// The full `state_dict` name, e.g. `blocks.3.attn.qkv.weight`.
    public let name: String
    /// The reference's element order; `nil` when it is the graph's.
    public let layout: ReferenceLayout?

    public init(_ name: String, layout: ReferenceLayout? = nil) {
        self.name = name
        self.layout = layout
    }
}

/// An element order in which a reference implementation stores a tensor differently from the
/// graph: same shape, same elements, permuted along one axis.
public enum ReferenceLayout: Hashable, Sendable {
    /// The last axis holds the `channels × height × width` features of an image patch. The graph
    /// orders them channel-major `(c, kh, kw)`, as `nn.Unfold` does; the reference pixel-major
    /// `(kh, kw, c)`, as einops' `'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'` does.
    case pixelMajorPatches(channels: Int, height: Int, width: Int)

    /// The length of the permuted axis (the last one).
    public var axisLength: Int {
        switch self {
        case .pixelMajorPatches(let channels, let height, let width): channels * height * width
        }
    }

    /// For each index along the permuted axis in the graph's order, the index the reference
    /// stores that element at.
    public var referenceIndices: [Int] {
        switch self {
        case .pixelMajorPatches(let channels, let height, let width):
            var indices: [Int] = []
            indices.reserveCapacity(axisLength)
            for c in 0..<channels {
                for y in 0..<height {
                    for x in 0..<width { indices.append((y * width + x) * channels + c) }
                }
            }
            return indices
        }
    }
}

/// What a node's tensors are called in the reference implementation, as the block that emits
/// the node declares it (see ``GraphBuilder/add(_:_:name:reference:countedByFvcore:)``).
///
/// Names are relative to the reference modules of the enclosing scopes
/// (``GraphBuilder/scope(_:module:_:)``); they are never derived from the graph's scope names.
public struct ReferenceName: Hashable, Sendable {
    enum Form: Hashable, Sendable {
        /// A module of its own, whose tensors keep the op's names (`weight`, `running_mean`).
        case module(String)
        /// Tensors directly in the enclosing module, named in the op's order.
        case tensors([String])
    }

    let form: Form
    /// Layouts of some of the op's tensors, keyed by the op's tensor name.
    let layouts: [String: ReferenceLayout]

    /// The node is the reference module `name` (dots allowed: `patch_embed.conv`); its tensors
    /// are `name.weight`, `name.bias`, `name.running_mean`, … as the op names them.
    public static func module(_ name: String) -> ReferenceName {
        ReferenceName(form: .module(name), layouts: [:])
    }

    /// The node has no module of its own: its tensors, parameters then buffers, are `names`
    /// in the enclosing module (learned tokens `cls_token`; vit-pytorch CvT's LayerNorm `g`, `b`).
    public static func tensors(_ names: String...) -> ReferenceName {
        ReferenceName(form: .tensors(names), layouts: [:])
    }

    /// These names, with the op's tensors called `tensors` (`weight`, `bias`) stored in `layout`.
    public func storing(_ tensors: String..., as layout: ReferenceLayout) -> ReferenceName {
        var layouts = self.layouts
        for tensor in tensors { layouts[tensor] = layout }
        return ReferenceName(form: form, layouts: layouts)
    }

    /// The full names of tensors `described` under the module path `prefix`, or the reason they
    /// cannot be named.
    /// - Parameter prefix: the enclosing modules, each followed by `.` (empty at the top).
    func resolve(_ described: [ParameterTensor], prefix: String) -> Result<[ReferenceTensor], ReferenceNameError> {
        let names: [String]
        switch form {
        case .module(let module):
            names = described.map { prefix + module + "." + $0.name }
        case .tensors(let tensors):
            guard tensors.count == described.count else {
                return .failure(
                    ReferenceNameError(
                        message: "declares \(tensors.count) reference names for \(described.count) tensors ("
                            + described.map(\.name).joined(separator: ", ") + ")"))
            }
            names = tensors.map { prefix + $0 }
        }
        for (tensor, layout) in layouts.sorted(by: { $0.key < $1.key }) {
            guard let shape = described.first(where: { $0.name == tensor })?.shape else {
                return .failure(ReferenceNameError(message: "declares a reference layout for '\(tensor)', which the op does not have"))
            }
            if let last = shape.last?.constant, last != layout.axisLength {
                return .failure(
                    ReferenceNameError(
                        message: "declares a reference layout of \(layout.axisLength) elements for '\(tensor)', "
                            + "whose last axis has \(last)"))
            }
        }
        return .success(zip(names, described).map { ReferenceTensor($0, layout: layouts[$1.name]) })
    }
}

/// A reference name that does not fit the node's tensors.
struct ReferenceNameError: Error {
    let message: String
}
