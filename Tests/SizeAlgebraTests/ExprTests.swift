import Testing

@testable import SizeAlgebra

@Suite("Expr")
struct ExprTests {
    @Test func constantsFold() {
        #expect((Expr(3) + Expr(4) * Expr(5)).constant == 23)
        #expect((Expr(7) - Expr(7)) == Expr.zero)
        #expect(Expr(-7).floorDiv(2).constant == -4)
    }

    @Test func patchEmbeddingSizeSimplifies() {
        // ViT: ⌊(H − 16)/16⌋ + 1 = ⌊H/16⌋
        let n = (Expr.H - 16).floorDiv(16) + 1
        #expect(n == Expr.H.floorDiv(16))
        #expect(n.description == "⌊H/16⌋")
    }

    @Test func nestedFloorsMerge() throws {
        // PiT-S: conv 16/8 then pooling (kernel 3, stride 2, padding 1) twice.
        let h0 = (Expr.H - 16).floorDiv(8) + 1
        #expect(h0.description == "⌊H/8⌋ - 1")
        let h1 = (h0 + 2 - 3).floorDiv(2) + 1
        #expect(h1.description == "⌊H/16⌋")
        #expect(try h1.evaluate(Binding(batch: 1, height: 224, width: 224)) == 14)
        // T2T: unfold (7,4,2), (3,2,1), (3,2,1)
        let t0 = (Expr.H + 4 - 7).floorDiv(4) + 1
        let t1 = (t0 + 2 - 3).floorDiv(2) + 1
        let t2 = (t1 + 2 - 3).floorDiv(2) + 1
        #expect(t0.description == "⌊(H + 1)/4⌋")
        #expect(t2.description == "⌊(H + 13)/16⌋")
    }

    @Test func commonFactorCancels() {
        #expect((Expr(2) * Expr.H + 2).floorDiv(4) == (Expr.H + 1).floorDiv(2))
    }

    @Test func polynomialPrinting() {
        let n = Expr.H.floorDiv(16) * Expr.W.floorDiv(16)
        let e = Expr.B * (n + 1) * (n + 1) * 384
        #expect(e.description == "384·B·⌊H/16⌋²·⌊W/16⌋² + 768·B·⌊H/16⌋·⌊W/16⌋ + 384·B")
    }

    @Test(arguments: [(1, 224, 224), (3, 160, 192), (2, 17, 33), (5, 385, 97), (1, 1, 1)])
    func evaluationMatchesIntegerArithmetic(b: Int, h: Int, w: Int) throws {
        let binding = Binding(batch: b, height: h, width: w)
        let t0 = (Expr.H + 4 - 7).floorDiv(4) + 1
        let t1 = (t0 + 2 - 3).floorDiv(2) + 1
        func f(_ x: Int, _ k: Int, _ s: Int, _ p: Int) -> Int {
            let v = x + 2 * p - k
            return (v >= 0 ? v / s : -((-v + s - 1) / s)) + 1
        }
        #expect(try t1.evaluate(binding) == f(f(h, 7, 4, 2), 3, 2, 1))
        let e = Expr.B * Expr.H.floorDiv(14) * Expr.W.floorDiv(14) * 768 - Expr.W
        #expect(try e.evaluate(binding) == b * (h / 14) * (w / 14) * 768 - w)
    }

    @Test func overflowIsStickyAndThrows() {
        let big = Expr(Int.max / 2)
        let e = big * 3 + Expr.H
        #expect(e.overflowed)
        #expect((e - e).overflowed)
        #expect(throws: EvaluationError.overflow) {
            try (Expr.B * Expr(Int.max)).evaluate(Binding(batch: 2, height: 1, width: 1))
        }
        #expect(Expr.H.floorDiv(0).overflowed)
    }

    /// `product` and `floorDiv` of constants take integer paths; they give what the general
    /// arithmetic gives, overflow flags included.
    @Test func constantProductsAndQuotientsMatchTheGeneralPath() {
        let big = Expr(Int.max / 2)
        let cases: [[Expr]] = [[], [7], [3, 5, -2], [big, 3], [big, 3, 0], [0, big, big], [big * 3, 0], [Expr(-9), 4]]
        for factors in cases {
            let folded = factors.reduce(Expr.one, *)
            let product = Expr.product(factors)
            #expect(product == folded && product.overflowed == folded.overflowed, "\(factors)")
        }
        #expect(Expr.product([2, 3, 7]).constant == 42)
        #expect(Expr.product([big, 3]).overflowed)
        #expect(Expr.product([Expr.H, 2, 3]) == Expr.H * 6)
        for (value, divisor, quotient) in [(17, 5, 3), (-17, 5, -4), (-15, 5, -3), (0, 3, 0), (6, 1, 6)] {
            #expect(Expr(value).floorDiv(divisor) == Expr(quotient), "\(value) / \(divisor)")
        }
        #expect(big.floorDiv(0).overflowed && (big * 3).floorDiv(2).overflowed)
    }
}
