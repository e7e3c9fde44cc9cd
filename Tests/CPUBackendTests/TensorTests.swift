import Testing

@testable import CPUBackend

@Suite struct TensorTests {
    @Test func holdsValuesRowMajor() {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(t.count == 6)
        #expect(t.values == [1, 2, 3, 4, 5, 6])
        #expect(Tensor(zeros: [0, 4]).values == [])
        #expect(Tensor(zeros: [2, 4096], pooled: false).values == [Float](repeating: 0, count: 8192))
    }

    /// First fit in address order, freed ranges merged with both neighbours, malloc past the end.
    @Test func arenaReusesAndMergesFreedRanges() throws {
        let granule = TensorArena.granule, smallest = TensorArena.smallest
        // Room for 10 tensors of `smallest` floats.
        let arena = TensorArena(reserving: 10 * smallest * 4)
        let a = arena.take(smallest), b = arena.take(2 * smallest), c = arena.take(smallest + 1)
        #expect(b == a + smallest)
        #expect(c == b + 2 * smallest)
        // smallest + 1 floats round up to whole 64-byte granules.
        #expect(arena.granulesInUse == (4 * smallest + granule) / granule)
        arena.give(b, count: 2 * smallest)
        // A smaller tensor takes the first hole that fits: b's.
        let d = arena.take(smallest)
        #expect(d == b)
        arena.give(a, count: smallest)
        arena.give(d, count: smallest)
        // a and d merged with the rest of b's range: 3 · smallest from the start.
        let e = arena.take(3 * smallest)
        #expect(e == a)
        arena.give(e, count: 3 * smallest)
        arena.give(c, count: smallest + 1)
        #expect(arena.granulesInUse == 0)
        // Everything merged back: the whole reservation is one range again.
        let whole = arena.take(10 * smallest)
        #expect(whole == a)
        // Past the reservation (and below `smallest`) storage comes from malloc and goes back to it.
        let outside = arena.take(smallest), small = arena.take(smallest - 1)
        #expect(outside < a || outside >= a + 10 * smallest)
        #expect(small < a || small >= a + 10 * smallest)
        arena.give(outside, count: smallest)
        arena.give(small, count: smallest - 1)
        arena.give(whole, count: 10 * smallest)
        #expect(arena.granulesInUse == 0)
    }
}
