import ArchGraph
import Architectures

/// The names the reference implementations give each parameter in their `state_dict`, derived
/// from the graph's scope paths (which mirror the reference module names).
public enum ReferenceNames {
    /// The reference name of parameter or buffer `tensor` of the node at `path`.
    /// - Parameters:
    ///   - family: the model family, which fixes the reference implementation.
    ///   - path: the node's scope path, e.g. `stage2/block3/attn/qkv`.
    ///   - tensor: the tensor's name inside the node (`weight`, `running_mean`, `tokens`, …).
    public static func name(spec: ModelSpec, node: Node, tensor: String) -> String {
        var parts = node.path.split(separator: "/").map(String.init)
        switch spec.config {
        case .vit:
            parts = rewriteBlocks(dropStage(parts, ["embed", "head", "stage1"]))
        case .pit:
            // stage s → transformers.(s-1); pool k (before stage k+1) → transformers.k.pool
            if let s = number(parts[0], after: "stage") {
                parts = ["transformers", String(s - 1)] + rewriteBlocks(Array(parts.dropFirst()))
            } else if let k = number(parts[0], after: "pool") {
                parts = ["transformers", String(k), "pool"] + parts.dropFirst()
            } else {
                parts = dropStage(parts, ["embed", "head"])
            }
        case .t2tViT:
            if parts[0].hasPrefix("t2t") {
                parts = ["tokens_to_token"] + parts.dropFirst()
                if parts.last == "prm_attention" { return (parts.dropLast() + ["w"]).joined(separator: ".") }
            } else if parts == ["embed", "project"] {
                parts = ["tokens_to_token", "project"]
            } else {
                parts = rewriteBlocks(dropStage(parts, ["embed", "head", "stage1"]))
            }
        case .cvt:
            // embed k and stage k → stage(k-1), the authors' zero-based names
            if let k = number(parts[0], after: "embed") {
                parts = ["stage\(k - 1)"] + parts.dropFirst()
            } else if let k = number(parts[0], after: "stage") {
                parts = ["stage\(k - 1)"] + rewriteBlocks(Array(parts.dropFirst()))
            } else {
                parts = dropStage(parts, ["head"])
            }
        case .vitPytorch(let config):
            // The paths are vit-pytorch's module names after the stage; its CvT LayerNorm is a
            // module of its own whose parameters are `g` and `b`.
            parts = Array(parts.dropFirst())
            if config.modelClass == .cvt, case .layerNorm = node.op {
                if parts.last == "norm" { parts.removeLast() }
                return (parts + [tensor == "weight" ? "g" : "b"]).joined(separator: ".")
            }
        case .resnet:
            parts = dropStage(parts, ["stem", "head"]).map { number($0, after: "block").map(String.init) ?? $0 }
        }
        let base = parts.joined(separator: ".")
        // Learned tokens and position embeddings are parameters named after their module.
        return tensor == "tokens" || tensor == "embedding" ? base : base + "." + tensor
    }

    private static func dropStage(_ parts: [String], _ stages: Set<String>) -> [String] {
        stages.contains(parts[0]) && parts.count > 1 ? Array(parts.dropFirst()) : parts
    }

    /// `block3` → `blocks`, `3`.
    private static func rewriteBlocks(_ parts: [String]) -> [String] {
        parts.flatMap { part in number(part, after: "block").map { ["blocks", String($0)] } ?? [part] }
    }

    /// `7` for `stage7` after `stage`; nil when `part` is not the prefix followed by digits.
    static func number(_ part: String, after prefix: String) -> Int? {
        guard part.hasPrefix(prefix) else { return nil }
        return Int(part.dropFirst(prefix.count))
    }
}
