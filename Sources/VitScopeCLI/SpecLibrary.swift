import Architectures
import Foundation
import Reports

/// The spec files of a folder, decoded, in a fixed order.
enum SpecLibrary {
    /// Decodes every `*.json` file under `folder` (recursively). Presets come in the zoo's order,
    /// other specs after them by file path. Files are named as `<folder name>/<relative path>`
    /// so reports never show where the folder lives.
    /// - Throws: ``SpecError`` listing every file that cannot be read or decoded.
    static func load(_ folder: URL) throws(SpecError) -> [ReportSource] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpecError([
                Problem(
                    field: folder.path, message: "no such folder of spec files",
                    fix: "write one with 'vitscope specs --out \(folder.lastPathComponent)' or pass --specs DIR")
            ])
        }
        let paths = ((try? FileManager.default.subpathsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        if paths.isEmpty {
            throw SpecError([
                Problem(
                    field: folder.path, message: "the folder holds no *.json spec files",
                    fix: "write the presets with 'vitscope specs --out \(folder.lastPathComponent)'")
            ])
        }
        var sources: [ReportSource] = []
        var problems: [Problem] = []
        for path in paths {
            let shown = folder.standardizedFileURL.lastPathComponent + "/" + path
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path),
                let text = String(data: data, encoding: .utf8)
            else {
                problems.append(Problem(field: shown, message: "cannot read the file as UTF-8 text"))
                continue
            }
            do {
                sources.append(ReportSource(spec: try SpecDecoder.decode(text), file: shown))
            } catch {
                problems += error.problems.map {
                    var p = $0; p.field = "\(shown): \(p.field)"; return p
                }
            }
        }
        if !problems.isEmpty { throw SpecError(problems) }
        let zooOrder = Dictionary(Zoo.names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return sources.enumerated().sorted { lhs, rhs in
            let l = zooOrder[lhs.element.spec.name] ?? Int.max, r = zooOrder[rhs.element.spec.name] ?? Int.max
            return l != r ? l < r : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
