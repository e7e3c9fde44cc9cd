/// The preset models, by name.
public enum Zoo {
    /// Every preset, grouped by family in a fixed order.
    public static let all: [ModelSpec] = vit + deit + pit + t2tViT + cvt + swin + resnet

    /// The preset called `name`, or `nil`.
    public static func preset(_ name: String) -> ModelSpec? { byName[name] }

    /// Preset names, in ``all``'s order.
    public static var names: [String] { all.map(\.name) }

    private static let byName: [String: ModelSpec] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
}
