//! `.npy` reading and writing (float32, C order).
