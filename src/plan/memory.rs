//! Buffers, lifetimes and the arena layout.
//!
//! Every value lives in a buffer at a float offset (views such as channel slices, flatten
//! and concat inputs share their buffer). A buffer is live from the first step that writes
//! it to the last step that reads it. Buffers whose lifetimes overlap get disjoint arena
//! ranges; the layout is "greedy by size" (largest first, lowest offset that fits), the
//! heuristic TFLite's arena planner also uses.
//!
//! External buffers (the graph inputs) take no arena space: their offsets follow the
//! arena's end, and the executor maps them to the caller's input of the current image.

/// Arena offsets are aligned to 16 floats (64 bytes) for vector loads and cache lines.
const ALIGN_FLOATS: usize = 16;

#[derive(Clone, Copy, Debug)]
pub struct Ref {
    pub buf: usize,
    pub off: usize,
}

impl Ref {
    pub fn shifted(self, by: usize) -> Ref {
        Ref {
            buf: self.buf,
            off: self.off + by,
        }
    }
}

struct Buf {
    floats: usize,
    first: usize,
    last: usize,
    external: bool,
}

pub struct Buffers {
    bufs: Vec<Buf>,
    loc: Vec<Option<Ref>>,
}

pub struct Layout {
    offsets: Vec<usize>,
    pub arena_floats: usize,
    pub unshared_floats: usize,
}

impl Layout {
    pub fn offset(&self, r: Ref) -> usize {
        self.offsets[r.buf] + r.off
    }
}

impl Buffers {
    pub fn new(num_values: usize) -> Self {
        Buffers {
            bufs: Vec::new(),
            loc: vec![None; num_values],
        }
    }

    fn new_buf(&mut self, floats: usize) -> usize {
        self.bufs.push(Buf {
            floats,
            first: usize::MAX,
            last: 0,
            external: false,
        });
        self.bufs.len() - 1
    }

    /// Give value `v` a buffer of its own.
    pub fn define(&mut self, v: usize, floats: usize) {
        let buf = self.new_buf(floats);
        self.loc[v] = Some(Ref { buf, off: 0 });
    }

    /// Give value `v` an external buffer (a graph input, read where the caller keeps it):
    /// placed past the arena, in the order of these calls.
    pub fn define_external(&mut self, v: usize, floats: usize) {
        self.define(v, floats);
        let b = self.bufs.len() - 1;
        self.bufs[b].external = true;
    }

    /// Buffer live for step `s` only (kernel scratch).
    pub fn scratch(&mut self, floats: usize, s: usize) -> usize {
        let b = self.new_buf(floats);
        self.bufs[b].first = s;
        self.bufs[b].last = s;
        b
    }

    pub fn is_placed(&self, v: usize) -> bool {
        self.loc[v].is_some()
    }

    /// Put value `v` inside `host`'s buffer at float offset `off` (concat elimination).
    pub fn place(&mut self, v: usize, host: usize, off: usize) {
        self.loc[v] = Some(self.loc(host).shifted(off));
    }

    /// `v` is a view of `src` at float offset `off`.
    pub fn alias(&mut self, v: usize, src: usize, off: usize) {
        self.place(v, src, off)
    }

    /// Location of `v`; every value read or written was given one before (planner order).
    pub fn loc(&self, v: usize) -> Ref {
        self.loc[v].unwrap_or(Ref {
            buf: usize::MAX,
            off: 0,
        })
    }

    pub fn read(&mut self, v: usize, s: usize) {
        let buf = self.loc(v).buf;
        if let Some(b) = self.bufs.get_mut(buf) {
            b.first = b.first.min(s);
            b.last = b.last.max(s);
        }
    }

    pub fn write(&mut self, v: usize, s: usize) {
        self.read(v, s)
    }

    pub fn layout(&self) -> Layout {
        let size = |b: &Buf| b.floats.next_multiple_of(ALIGN_FLOATS);
        let mut order: Vec<usize> = (0..self.bufs.len())
            .filter(|&i| !self.bufs[i].external)
            .collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(size(&self.bufs[i])), i));
        let mut offsets = vec![0usize; self.bufs.len()];
        let mut placed: Vec<usize> = Vec::new();
        let mut arena = 0;
        for &i in &order {
            let b = &self.bufs[i];
            // Address ranges of placed buffers whose lifetimes overlap this one's.
            let mut busy: Vec<(usize, usize)> = placed
                .iter()
                .filter(|&&j| {
                    let o = &self.bufs[j];
                    o.first <= b.last && b.first <= o.last
                })
                .map(|&j| (offsets[j], offsets[j] + size(&self.bufs[j])))
                .collect();
            busy.sort();
            let mut at: usize = 0;
            for (start, end) in busy {
                if at.saturating_add(size(b)) <= start {
                    break;
                }
                at = at.max(end);
            }
            offsets[i] = at;
            arena = arena.max(at.saturating_add(size(b)));
            placed.push(i);
        }
        let mut at = arena;
        for (i, b) in self.bufs.iter().enumerate().filter(|(_, b)| b.external) {
            offsets[i] = at;
            at += size(b);
        }
        Layout {
            offsets,
            arena_floats: arena,
            unshared_floats: self.bufs.iter().filter(|b| !b.external).map(size).sum(),
        }
    }
}
