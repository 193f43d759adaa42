//! Naive reference implementations of every kernel op, for tests.
//!
//! Each function is the textbook definition on plain slices (NCHW for one image, the
//! layouts of `kernels/ghostrt_kernels.h`): direct loops, padding by an explicit bounds check
//! per tap, accumulation in f64, results rounded to f32 once. They are slow on purpose and
//! are the ground truth the C kernels and the network tests are compared against. Shape
//! mismatches panic with the offending lengths.
//!
//! The fused epilogue is kept apart: a conv reference returns the raw accumulator and
//! [`apply_epilogue`] adds bias and residual and applies the activation, so a test can also
//! look at the pre-activation values (e.g. to scale its tolerance).

use crate::kernels::Act;

/// Output size of a convolution along one axis: `(n + 2 pad - k) / stride + 1`.
///
/// Panics when the padded input is smaller than the kernel or `stride == 0`.
pub fn conv_out_size(n: usize, k: usize, stride: usize, pad: usize) -> usize {
    assert!(stride >= 1, "stride must be >= 1");
    assert!(
        n + 2 * pad >= k,
        "kernel {k} larger than padded input {n} + 2*{pad}"
    );
    (n + 2 * pad - k) / stride + 1
}

/// Activation `act` of one value (`GRT_ACT_*`).
pub fn act_ref(x: f32, act: Act) -> f32 {
    match act {
        Act::None => x,
        Act::Relu => x.max(0.0),
        Act::Relu6 => x.clamp(0.0, 6.0),
        Act::HardSigmoid => (x + 3.0).clamp(0.0, 6.0) / 6.0,
    }
}

/// Grouped 2-D convolution without bias, zero padding `pad` on every side.
///
/// `input` is `[cin][h][w]`, `weight` is `[cout][cin / groups][k][k]`; returns
/// `[cout][oh][ow]` with `oh = conv_out_size(h, k, stride, pad)` (likewise `ow`).
/// `groups = 1` is a dense conv, `groups = cin = cout` a depthwise conv, `k = 1` a 1x1 conv.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_ref(
    input: &[f32],
    cin: usize,
    h: usize,
    w: usize,
    weight: &[f32],
    cout: usize,
    k: usize,
    stride: usize,
    pad: usize,
    groups: usize,
) -> Vec<f32> {
    assert!(
        groups >= 1 && cin % groups == 0 && cout % groups == 0,
        "groups {groups} must divide cin {cin} and cout {cout}"
    );
    let cin_g = cin / groups;
    let cout_g = cout / groups;
    assert_eq!(input.len(), cin * h * w, "input length vs [cin][h][w]");
    assert_eq!(
        weight.len(),
        cout * cin_g * k * k,
        "weight length vs [cout][cin/groups][k][k]"
    );
    let oh = conv_out_size(h, k, stride, pad);
    let ow = conv_out_size(w, k, stride, pad);
    let mut out = vec![0.0f32; cout * oh * ow];
    for co in 0..cout {
        let g = co / cout_g;
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = 0.0f64;
                for cig in 0..cin_g {
                    let ci = g * cin_g + cig;
                    for ky in 0..k {
                        for kx in 0..k {
                            // Input coordinates before padding is removed; outside: zero.
                            let iy = (oy * stride + ky) as isize - pad as isize;
                            let ix = (ox * stride + kx) as isize - pad as isize;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                continue;
                            }
                            let x = input[(ci * h + iy as usize) * w + ix as usize];
                            let wv = weight[((co * cin_g + cig) * k + ky) * k + kx];
                            acc += f64::from(x) * f64::from(wv);
                        }
                    }
                }
                out[(co * oh + oy) * ow + ox] = acc as f32;
            }
        }
    }
    out
}

/// The fused epilogue in place: `y = act(y + bias[c] + residual[i])` over `y = [channels][..]`.
///
/// `bias` has `channels` entries, `residual` the length of `y`; either may be absent.
pub fn apply_epilogue(
    y: &mut [f32],
    channels: usize,
    bias: Option<&[f32]>,
    residual: Option<&[f32]>,
    act: Act,
) {
    assert!(
        if channels == 0 {
            y.is_empty()
        } else {
            y.len() % channels == 0
        },
        "length {} not a multiple of {channels} channels",
        y.len()
    );
    let plane = y.len() / channels.max(1);
    if let Some(b) = bias {
        assert_eq!(b.len(), channels, "bias length vs channels");
    }
    if let Some(r) = residual {
        assert_eq!(r.len(), y.len(), "residual length vs output");
    }
    for (i, v) in y.iter_mut().enumerate() {
        let mut acc = *v;
        if let Some(b) = bias {
            acc += b[i / plane];
        }
        if let Some(r) = residual {
            acc += r[i];
        }
        *v = act_ref(acc, act);
    }
}

/// Global average pool: `[c][hw]` -> `[c]`, the mean of each plane.
pub fn gavgpool_ref(input: &[f32], c: usize, hw: usize) -> Vec<f32> {
    assert_eq!(input.len(), c * hw, "input length vs [c][hw]");
    assert!(hw >= 1, "empty planes");
    input
        .chunks_exact(hw)
        .map(|plane| (plane.iter().map(|&x| f64::from(x)).sum::<f64>() / hw as f64) as f32)
        .collect()
}

/// Fully connected: `out[o] = act(bias[o] + sum_i weight[o][i] * input[i])`, weight
/// `[cout][input.len()]`.
pub fn fc_ref(
    input: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    cout: usize,
    act: Act,
) -> Vec<f32> {
    let cin = input.len();
    assert_eq!(weight.len(), cout * cin, "weight length vs [cout][cin]");
    let mut out: Vec<f32> = (0..cout)
        .map(|o| {
            let row = &weight[o * cin..(o + 1) * cin];
            row.iter()
                .zip(input)
                .map(|(&wv, &x)| f64::from(wv) * f64::from(x))
                .sum::<f64>() as f32
        })
        .collect();
    apply_epilogue(&mut out, cout, bias, None, act);
    out
}

/// Squeeze-and-excitation on `[c][hw]`: `s = mean(input)`, `r = relu(w1 s + b1)` (`w1`
/// `[rd][c]`), `g = gate(w2 r + b2)` (`w2` `[c][rd]`), `out[ch][p] = input[ch][p] * g[ch]`.
#[allow(clippy::too_many_arguments)]
pub fn se_ref(
    input: &[f32],
    c: usize,
    hw: usize,
    w1: &[f32],
    b1: Option<&[f32]>,
    rd: usize,
    w2: &[f32],
    b2: Option<&[f32]>,
    gate: Act,
) -> Vec<f32> {
    let s = gavgpool_ref(input, c, hw);
    let r = fc_ref(&s, w1, b1, rd, Act::Relu);
    let g = fc_ref(&r, w2, b2, c, gate);
    input
        .iter()
        .enumerate()
        .map(|(i, &x)| x * g[i / hw])
        .collect()
}

/// Elementwise `act(a[i] + b[i])`.
pub fn add_ref(a: &[f32], b: &[f32], act: Act) -> Vec<f32> {
    assert_eq!(a.len(), b.len(), "operand lengths");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| act_ref(x + y, act))
        .collect()
}
