//! Naive reference implementations of every op, for tests.
