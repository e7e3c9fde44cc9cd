import Architectures
import Dispatch
import Foundation

/// A spec to report on and the file it was read from, as the pages name it (`specs/pit/pit_s_224.json`).
public struct ReportSource: Sendable {
    public let spec: ModelSpec
    public let file: String

    public init(spec: ModelSpec, file: String) {
        self.spec = spec
        self.file = file
    }
}

/// One generated file: its path inside the reports folder (`models/pit_s_224.md`) and its text.
public struct ReportFile: Hashable, Sendable {
    public let path: String
    public let contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// What the pages need about one model, computed once: the analysis at its own size (batch 1)
/// and its closed forms.
struct ModelFacts: Sendable {
    let source: ReportSource
    let analysis: Analysis
    let form: Result<ClosedForm, FormError>

    var name: String { source.spec.name }
}

/// Why a closed form could not be derived, as text for the page.
struct FormError: Error, Sendable {
    let message: String
}

/// The `reports/` folder as pure text: every page and chart, generated from specs. The same
/// specs give the same bytes: no dates, no paths outside the folder, a fixed order.
public struct ReportBook: Sendable {
    public let sources: [ReportSource]
    /// The "Verification by execution" section of a model page, as markdown; `nil` says the
    /// model has not been verified by execution yet.
    public let verification: @Sendable (Analysis) -> String?

    /// The models of the spatial-dimensions study, in the order they are drawn (all but Swin-T
    /// are also the resolution sweep's, ``resolutionModels``).
    public static let studyModels = [
        "resnet50", "vit_small_patch16_224", "pit_s_224", "cvt_13", "t2t_vit_14", "swin_tiny_patch4_window7_224",
    ]
    /// The models of the resolution sweep: the study's but Swin-T, whose windows tile few of its
    /// sides; the resolution page sets it beside ViT-S/16 at the sides its windows tile.
    public static let resolutionModels = ["resnet50", "vit_small_patch16_224", "pit_s_224", "cvt_13", "t2t_vit_14"]
    /// Square image sides of the resolution study.
    public static let resolutionSides = Array(stride(from: 160, through: 512, by: 32))
    /// The windowed and the global-attention model of the resolution page's window section.
    public static let windowModels = (windowed: "swin_tiny_patch4_window7_224", global: "vit_small_patch16_224")
    /// Square image sides tried for the window section; those the windowed model's windows tile are shown.
    public static let windowSides = Array(stride(from: 160, through: 1024, by: 32))
    /// The command that regenerates the folder.
    public static let command = "swift run -c release vitscope report"

    /// Markers around the text that comes from running models, which only a release build
    /// regenerates quickly; ``withoutExecutionResults(_:)`` blanks what lies between them.
    public static let executionStart = "<!-- execution results -->\n"
    public static let executionEnd = "<!-- end of execution results -->\n"

    /// `text` with everything between the execution markers removed, so that pages generated
    /// without running the models can be compared with committed ones.
    public static func withoutExecutionResults(_ text: String) -> String {
        var out = "", rest = Substring(text)
        while let start = rest.range(of: executionStart), let end = rest.range(of: executionEnd, range: start.upperBound..<rest.endIndex) {
            out += rest[..<start.upperBound]
            rest = rest[end.lowerBound...]
        }
        return out + rest
    }

    public init(sources: [ReportSource], verification: @escaping @Sendable (Analysis) -> String? = { _ in nil }) {
        self.sources = sources
        self.verification = verification
    }

    /// Every file of the folder, sorted by path.
    /// - Throws: ``SpecError`` when a spec cannot be analysed at its own size, when two specs
    ///   share a name, or when a model of the studies is missing.
    public func files() throws(SpecError) -> [ReportFile] {
        let names = Set(sources.map(\.spec.name))
        let missing = Self.studyModels.filter { !names.contains($0) }
        if !missing.isEmpty {
            throw SpecError(
                missing.map {
                    Problem(
                        field: $0, message: "the spatial-dimensions and resolution pages need this model's spec",
                        fix: "write it with 'vitscope specs' into the specs folder")
                })
        }
        let facts = try modelFacts()
        let byName = Dictionary(facts.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let study = Self.studyModels.compactMap { byName[$0] }
        let verifications = facts.map { verification($0.analysis) }
        var files = [
            ReportFile(path: "README.md", contents: IndexPage.markdown(facts, verified: verifications.compactMap { $0 }.count)),
            ReportFile(path: "zoo.md", contents: ZooPage.markdown(facts)),
        ]
        files += try SpatialPage.files(study)
        files += ResolutionPage.files(
            Self.resolutionModels.compactMap { byName[$0] },
            windowed: byName[Self.windowModels.windowed], global: byName[Self.windowModels.global])
        files += try TrainingPage.files(facts, study: study, resolution: Self.resolutionModels.compactMap { byName[$0] })
        files += zip(facts, verifications).map { f, v in
            ReportFile(path: "models/\(f.name).md", contents: ModelPage.markdown(f, verification: v))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Analyses and closed forms of every source, computed in parallel, in source order.
    func modelFacts() throws(SpecError) -> [ModelFacts] {
        var problems: [Problem] = []
        var seen: [String: String] = [:]
        for source in sources {
            if let first = seen[source.spec.name] {
                problems.append(
                    Problem(
                        field: source.file, message: "model name '\(source.spec.name)' is also used by \(first)",
                        fix: "give every spec its own name"))
            }
            seen[source.spec.name] = seen[source.spec.name] ?? source.file
            if !source.spec.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) {
                problems.append(
                    Problem(
                        field: source.file, message: "model name '\(source.spec.name)' cannot name a report file",
                        fix: "use letters, digits, '_', '.' and '-' only"))
            }
        }
        if !problems.isEmpty { throw SpecError(problems) }
        let results = Parallel.map(sources) { source -> Result<ModelFacts, SpecError> in
            let analysis: Analysis
            do throws(SpecError) { analysis = try source.spec.analyze() } catch {
                return .failure(
                    SpecError(
                        error.problems.map {
                            var p = $0; p.field = "\(source.file): \(p.field)"; return p
                        }))
            }
            let form = Result { () throws(FormError) in
                do { return try ClosedForm(source.spec) } catch { throw FormError(message: "\(error)") }
            }
            return .success(ModelFacts(source: source, analysis: analysis, form: form))
        }
        var facts: [ModelFacts] = []
        for result in results {
            switch result {
            case .success(let f): facts.append(f)
            case .failure(let error): problems += error.problems
            }
        }
        if !problems.isEmpty { throw SpecError(problems) }
        return facts
    }
}

/// `map` over a few independent, expensive items on every core; results keep the input order.
enum Parallel {
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let box = ResultBox<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            box.set(index, transform(items[index]))
        }
        return box.values()
    }

    /// Slots filled from several threads, under a lock.
    private final class ResultBox<R: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [R?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: R) { lock.withLock { slots[index] = value } }
        func values() -> [R] { lock.withLock { slots.compactMap { $0 } } }
    }
}
