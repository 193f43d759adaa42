//! `cargo xtask bench-report [--write-readme]`: turn the criterion results of
//! `cargo bench --bench networks` into a markdown table (median latency, GMAC/s, and the
//! concat and reparam ratios), optionally replacing the table in README.md.

use std::collections::BTreeMap;
use std::path::Path;

const VARIANTS: [&str; 4] = [
    "ghost_concat_copy",
    "ghost_concat_free",
    "repghost_unfused",
    "repghost_reparam",
];
const BEGIN: &str = "<!-- bench-report:begin -->";
const END: &str = "<!-- bench-report:end -->";

/// (median ns, MACs per iteration) of one benchmark, from criterion's JSON files.
fn read(dir: &Path) -> Option<(f64, Option<f64>)> {
    let est: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("new/estimates.json")).ok()?)
            .ok()?;
    let median = est["median"]["point_estimate"].as_f64()?;
    let bench: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("new/benchmark.json")).ok()?)
            .ok()?;
    let macs = bench["throughput"]["Elements"].as_f64();
    Some((median, macs))
}

/// Median ns and MACs of one benchmark, by variant.
type Row = BTreeMap<&'static str, (f64, Option<f64>)>;

pub fn main(args: &[String]) -> Result<(), String> {
    let write = args.iter().any(|a| a == "--write-readme");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let crit = root.join("target/criterion");
    let groups = std::fs::read_dir(&crit).map_err(|e| {
        format!(
            "{}: {e}; run `cargo bench --bench networks` first",
            crit.display()
        )
    })?;
    // group -> threads -> variant -> (ns, macs)
    let mut table: BTreeMap<String, BTreeMap<String, Row>> = BTreeMap::new();
    for g in groups.flatten() {
        let group = g.file_name().to_string_lossy().into_owned();
        if !(group.starts_with("net_") || group.starts_with("block_")) {
            continue;
        }
        for v in VARIANTS {
            let Ok(params) = std::fs::read_dir(g.path().join(v)) else {
                continue;
            };
            for p in params.flatten() {
                let t = p.file_name().to_string_lossy().into_owned();
                if let Some(r) = read(&p.path()) {
                    table
                        .entry(group.clone())
                        .or_default()
                        .entry(t)
                        .or_default()
                        .insert(v, r);
                }
            }
        }
    }
    if table.is_empty() {
        return Err(
            "no `net_*`/`block_*` criterion results found; run `cargo bench --bench networks`"
                .into(),
        );
    }
    let mut out = String::new();
    out.push_str("| bench | threads | GhostNet concat copy | GhostNet concat-free | RepGhost unfused | RepGhost reparam | copy / free | unfused / reparam | concat-free / reparam |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for (group, by_t) in &table {
        for (t, vs) in by_t {
            let cell = |v: &str| match vs.get(v) {
                Some((ns, Some(macs))) => format!("{:.3} ms ({:.1} GMAC/s)", ns / 1e6, macs / ns),
                Some((ns, None)) => format!("{:.3} ms", ns / 1e6),
                None => "-".into(),
            };
            let ratio = |a: &str, b: &str| match (vs.get(a), vs.get(b)) {
                (Some((x, _)), Some((y, _))) => format!("{:.2}x", x / y),
                _ => "-".into(),
            };
            out.push_str(&format!(
                "| {group} | {t} | {} | {} | {} | {} | {} | {} | {} |\n",
                cell(VARIANTS[0]),
                cell(VARIANTS[1]),
                cell(VARIANTS[2]),
                cell(VARIANTS[3]),
                ratio(VARIANTS[0], VARIANTS[1]),
                ratio(VARIANTS[2], VARIANTS[3]),
                ratio(VARIANTS[1], VARIANTS[3]),
            ));
        }
    }
    print!("{out}");
    if write {
        let readme = root.join("README.md");
        let text =
            std::fs::read_to_string(&readme).map_err(|e| format!("{}: {e}", readme.display()))?;
        let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
            return Err(format!("README.md has no {BEGIN} ... {END} markers"));
        };
        let new = format!("{}{BEGIN}\n{out}{}", &text[..b], &text[e..]);
        let tmp = root.join(".README.md.tmp");
        std::fs::write(&tmp, new).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &readme).map_err(|e| e.to_string())?;
        println!("updated README.md");
    }
    Ok(())
}
