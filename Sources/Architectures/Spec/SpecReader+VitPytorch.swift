import JSONOutput

/// The `config` of a `vit_pytorch` spec: `"class"` and that class's keyword arguments.
///
/// `image_size`, `channels` and `num_classes` are the spec's top-level `image_size`,
/// `in_channels` and `num_classes`. Arrays stand for tuples and `null` for `None`. The
/// arguments are read as in a call (same defaults, types and messages), then checked
/// against what vit-pytorch asserts at construction and what fails in its forward pass.
extension SpecReader {
    mutating func vitPytorch(_ value: JSONValue, at path: JSONPath, image: ImageField?, inChannels: Int?) -> VitPytorchConfig? {
        guard case .object(let members) = value.kind else {
            report(path, at: value, "expected an object, found \(value.foundDescription)")
            return nil
        }
        let names = VitPytorchClass.allCases.map(\.rawValue)
        guard let classValue = value["class"] else {
            report(path.key("class"), at: value, "missing required key \"class\"", fix: "one of " + names.joined(separator: ", "))
            return nil
        }
        guard case .string(let name) = classValue.kind, let modelClass = VitPytorchClass(rawValue: name) else {
            let suggestion: String? =
                if case .string(let name) = classValue.kind {
                    Suggestion.nearest(to: name, among: names).map { "did you mean \(JSONText.quoted($0))?" }
                } else { nil }
            report(
                path.key("class"), at: classValue, "expected one of \(names.joined(separator: ", ")), found \(classValue.foundDescription)",
                fix: suggestion)
            return nil
        }
        let allowed = modelClass.parameters.filter { VitPytorchClass.topLevelArguments[$0] == nil }
        let arguments = members.filter { $0.key != "class" }.map {
            CallArgument(name: $0.key, line: $0.keyLine, column: $0.keyColumn, value: PythonValue(json: $0.value))
        }
        var reader = VitPytorchArgumentReader(
            modelClass, arguments: arguments, allowed: allowed, prefix: path.description + ".",
            anchorLine: value.line, anchorColumn: value.column)
        let config = reader.config()
        problems += reader.problems
        guard let config, let image, let inChannels else { return nil }
        let issues = config.issues(imageSize: image.size, channels: inChannels)
        for issue in issues {
            if issue.argument == "image_size" {
                report(JSONPath().key("image_size"), at: image.value, issue.message, fix: issue.fix)
            } else {
                let anchor = members.first { $0.key == issue.argument }?.value ?? value
                report(path.key(issue.argument), at: anchor, issue.message, fix: issue.fix)
            }
        }
        return issues.isEmpty && reader.problems.isEmpty ? config : nil
    }
}
