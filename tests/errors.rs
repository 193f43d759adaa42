//! Bad input gives a distinct, clear error naming what is wrong; never a panic.

mod common;

use ghostrt::import::{self, StateDict};
use ghostrt::{models, pack, passes, Error, Model};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The error of a call that must fail.
fn err_of<T>(r: Result<T, Error>) -> Error {
    match r {
        Ok(_) => panic!("bad input was accepted"),
        Err(e) => e,
    }
}

fn rg050() -> StateDict {
    import::load_state_dict(&fixture("repghostnet_050/state_dict.pth")).expect("fixture loads")
}

fn good_pack() -> Vec<u8> {
    let g = passes::optimize(models::build(&rg050(), None).expect("build")).expect("passes");
    pack::encode(&g).expect("encode")
}

fn pack_err(bytes: &[u8]) -> String {
    match Model::from_bytes(bytes, "test.grt") {
        Ok(_) => panic!("corrupt pack accepted"),
        Err(e) => {
            assert!(matches!(e, Error::Pack { .. }), "not a pack error: {e}");
            e.to_string()
        }
    }
}

#[test]
fn pack_round_trip_is_bit_exact() {
    let bytes = good_pack();
    let m = Model::from_bytes(&bytes, "ok.grt").expect("loads");
    assert_eq!(pack::encode(&m.graph).expect("re-encode"), bytes);
}

#[test]
fn truncated_pack() {
    let bytes = good_pack();
    for cut in [0, 10, 63, 64, 200, bytes.len() / 2, bytes.len() - 1] {
        let e = pack_err(&bytes[..cut]);
        assert!(e.contains("truncated"), "cut at {cut}: {e}");
    }
}

#[test]
fn corrupted_pack_fails_checksum() {
    let mut bytes = good_pack();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    assert!(pack_err(&bytes).contains("checksum"));
}

#[test]
fn wrong_version_and_magic() {
    let mut bytes = good_pack();
    bytes[8] = 99;
    let e = pack_err(&bytes);
    assert!(e.contains("version 99"), "{e}");
    let mut bytes = good_pack();
    bytes[0] = b'X';
    assert!(pack_err(&bytes).contains("magic"));
}

#[test]
fn corrupt_graph_section_with_valid_checksum() {
    // Flip bytes inside the graph section and re-seal the checksum: the decoder itself must
    // catch it (as a fuzzer's input would), not rely on the checksum.
    let good = good_pack();
    let graph_len = u64::from_le_bytes(good[32..40].try_into().expect("8 bytes")) as usize;
    let mut caught = 0;
    for i in (64..64 + graph_len).step_by(29) {
        let mut bytes = good.clone();
        bytes[i] = bytes[i].wrapping_add(0x5b);
        let sum = pack::checksum(&bytes[64..]);
        bytes[56..64].copy_from_slice(&sum.to_le_bytes());
        // Either a clean error now, or a graph the planner rejects or runs safely.
        match Model::from_bytes(&bytes, "fuzzed.grt") {
            Err(_) => caught += 1,
            Ok(m) => {
                if let Ok(mut s) = m.session(&[(32, 32)]) {
                    let x = vec![0.5; s.input_len(0)];
                    let mut y = vec![0.0; s.output_len(0)];
                    let _ = s.run(&[&x], &mut [&mut y]);
                }
            }
        }
    }
    assert!(caught > 0);
}

#[test]
fn missing_pack_file() {
    let e = err_of(Model::open(Path::new("/nonexistent/model.grt")));
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/model.grt"));
}

#[test]
fn missing_tensor_is_named() {
    let mut sd = rg050();
    sd.tensors.remove("blocks.3.0.se.conv_reduce.bias");
    let e = err_of(models::build(&sd, None)).to_string();
    assert!(
        e.contains("missing tensor `blocks.3.0.se.conv_reduce.bias`"),
        "{e}"
    );
}

#[test]
fn misshaped_tensor_is_named_with_shapes() {
    let mut sd = rg050();
    let t = sd
        .tensors
        .get_mut("blocks.6.0.ghost1.fusion_bn.0.running_var")
        .expect("key");
    t.data.push(1.0);
    t.shape[0] += 1;
    let e = err_of(models::build(&sd, None));
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("blocks.6.0.ghost1.fusion_bn.0.running_var"),
        "{e}"
    );
}

#[test]
fn extra_tensors_are_reported() {
    let mut sd = rg050();
    let t = sd.tensors["bn1.weight"].clone();
    sd.tensors.insert("blocks.3.0.aux_head.weight".into(), t);
    let e = err_of(models::build(&sd, None)).to_string();
    assert!(e.contains("blocks.3.0.aux_head.weight"), "{e}");
}

#[test]
fn not_a_ghostnet() {
    let mut sd = rg050();
    sd.tensors.remove("conv_stem.weight");
    let e = err_of(models::build(&sd, None)).to_string();
    assert!(e.contains("conv_stem.weight"), "{e}");
}

#[test]
fn non_zip_pth() {
    let dir = std::env::temp_dir().join(format!("ghostrt-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let p = dir.join("legacy.pth");
    // A legacy (pre-1.6) torch.save file starts with a pickle protocol header, not "PK".
    std::fs::write(
        &p,
        [
            0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
        ],
    )
    .expect("write");
    let e = err_of(import::load_state_dict(&p)).to_string();
    assert!(e.contains("legacy.pth"), "{e}");
    std::fs::write(&p, b"hello, this is not a checkpoint").expect("write");
    let e = err_of(import::load_state_dict(&p)).to_string();
    assert!(e.contains("legacy.pth"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wrong_input_size_for_the_network() {
    let g = passes::optimize(models::build(&rg050(), None).expect("build")).expect("passes");
    let m = Model::from_graph(g);
    // 1x1 works through padding; zero-size does not.
    assert!(m.session(&[(0, 10)]).is_err());
    assert!(m.session(&[(1, 1)]).is_ok());
    assert!(m.session(&[(32, 32), (32, 32)]).is_err());
}

#[test]
fn pack_write_is_atomic_and_leaves_no_temp_file() {
    let dir = std::env::temp_dir().join(format!("ghostrt-pack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let out = dir.join("m.grt");
    let g = passes::optimize(models::build(&rg050(), None).expect("build")).expect("passes");
    pack::write(&out, &g).expect("write");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["m.grt".to_string()]);
    Model::open(&out).expect("written pack opens");
    // Writing into a missing directory fails cleanly.
    assert!(pack::write(&dir.join("no/such/dir/m.grt"), &g).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tiny graph touching every op kind the pack codec knows, as the pack fuzzer's seed.
fn tiny_graph() -> ghostrt::graph::Graph {
    use ghostrt::graph::{Act, BatchNorm, Conv, Graph, Linear, ModelMeta, Op, SqueezeExcite};
    let mut g = Graph::new(ModelMeta {
        arch: "tiny".into(),
        width: 1.0,
        num_classes: 3,
        default_hw: (9, 7),
    });
    let vals = |n: usize, s: f32| {
        (0..n)
            .map(|i| ((i * 37 % 17) as f32 - 8.0) * s)
            .collect::<Vec<f32>>()
    };
    let x = g.add_input("input", 3);
    let w = g.add_weight("stem.w", vec![4, 3, 3, 3], vals(108, 0.05));
    let b = g.add_weight("stem.b", vec![4], vals(4, 0.1));
    let conv = |cin, cout, k, stride, groups, weight, bias, act| {
        Op::Conv(Conv {
            cin,
            cout,
            k,
            stride,
            pad: k / 2,
            groups,
            weight,
            bias,
            act,
        })
    };
    let s = g.push("stem", conv(3, 4, 3, 2, 1, w, Some(b), Act::Relu), vec![x]);
    let dw = g.add_weight("dw.w", vec![4, 1, 3, 3], vals(36, 0.1));
    let d = g.push("dw", conv(4, 4, 3, 1, 4, dw, None, Act::None), vec![s]);
    let bn: Vec<usize> = ["g", "b", "m", "v"]
        .iter()
        .map(|n| {
            g.add_weight(
                format!("bn.{n}"),
                vec![4],
                vals(4, 0.01).iter().map(|v| v + 1.0).collect(),
            )
        })
        .collect();
    let n = g.push(
        "bn",
        Op::BatchNorm(BatchNorm {
            c: 4,
            gamma: bn[0],
            beta: bn[1],
            mean: bn[2],
            var: bn[3],
            eps: 1e-5,
        }),
        vec![d],
    );
    let a = g.push("relu", Op::Act(Act::Relu6), vec![n]);
    let cat = g.push("cat", Op::Concat, vec![s, a]);
    let sl = g.push("slice", Op::Slice { start: 0, end: 6 }, vec![cat]);
    let se_w: Vec<usize> = [(2 * 6, "w1"), (2, "b1"), (12, "w2"), (6, "b2")]
        .iter()
        .map(|&(n, name)| g.add_weight(format!("se.{name}"), vec![n], vals(n, 0.1)))
        .collect();
    let se = g.push(
        "se",
        Op::SqueezeExcite(SqueezeExcite {
            c: 6,
            rd: 2,
            w1: se_w[0],
            b1: se_w[1],
            w2: se_w[2],
            b2: se_w[3],
            gate: Act::HardSigmoid,
        }),
        vec![sl],
    );
    let pw = g.add_weight("pw.w", vec![6, 6, 1, 1], vals(36, 0.1));
    let p = g.push("pw", conv(6, 6, 1, 1, 1, pw, None, Act::None), vec![se, sl]);
    let sum = g.push("add", Op::Add { act: Act::Relu }, vec![p, se]);
    let gap = g.push("pool", Op::GlobalAvgPool, vec![sum]);
    let f = g.push("flatten", Op::Flatten, vec![gap]);
    let lw = g.add_weight("fc.w", vec![3, 6], vals(18, 0.1));
    let out = g.push(
        "fc",
        Op::Linear(Linear {
            cin: 6,
            cout: 3,
            weight: lw,
            bias: None,
            act: Act::None,
        }),
        vec![f],
    );
    g.outputs = vec![out];
    g
}

#[test]
fn tiny_pack_runs_and_is_the_fuzz_seed() {
    let bytes = pack::encode(&tiny_graph()).expect("encode");
    let m = Model::from_bytes(&bytes, "tiny.grt").expect("loads");
    let mut s = m.session(&[(9, 7)]).expect("plans");
    let x = vec![0.5; s.input_len(0)];
    let mut y = vec![0.0; s.output_len(0)];
    s.run(&[&x], &mut [&mut y]).expect("runs");
    assert!(y.iter().all(|v| v.is_finite()));
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/pack_reader/tiny.grt");
    if std::env::var_os("GHOSTRT_BLESS").is_some() {
        std::fs::create_dir_all(seed.parent().expect("dir")).expect("mkdir");
        std::fs::write(&seed, &bytes).expect("write seed");
    }
    assert_eq!(
        std::fs::read(&seed).ok(),
        Some(bytes),
        "fuzz seed is stale: rerun with GHOSTRT_BLESS=1"
    );
}

#[test]
fn shipped_default_pack_is_current() {
    // weights/repghostnet_050.grt is `cargo xtask pack-weights` of the fixture state_dict.
    let g = passes::optimize(models::build(&rg050(), None).expect("build")).expect("passes");
    let shipped =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("weights/repghostnet_050.grt"))
            .expect("shipped pack");
    assert!(
        pack::encode(&g).expect("encode") == shipped,
        "weights/repghostnet_050.grt is stale: repack it"
    );
}

/// The command line tool: a reader that stops early (`ghostrt plan M | head`) ends it
/// quietly, and a bad argument is reported by name, never as a panic.
#[test]
fn cli_closed_stdout_and_bad_arguments() {
    use std::process::Stdio;
    let exe = env!("CARGO_BIN_EXE_ghostrt");
    let pack = fixture("../../weights/repghostnet_050.grt");
    // Natively, or under qemu when this test runs under qemu-user (the ARM runs).
    let ghostrt = || common::target_command(exe);
    let mut child = ghostrt()
        .arg("plan")
        .arg(&pack)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ghostrt");
    // Close the reading end at once (long before the child has loaded the model), so its
    // first write already finds the pipe closed, whatever the pipe's buffer size.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = ghostrt()
        .args(["bench"])
        .arg(&pack)
        .args(["--runs", "many"])
        .output()
        .expect("run ghostrt");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--runs"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
