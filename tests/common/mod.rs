//! Helpers shared by integration tests (`mod common;`).
#![allow(dead_code)] // each test crate uses its own subset

use std::process::Command;

/// How programs built for this test binary's target run when it is not the machine's own.
pub struct Cross {
    /// The C cross compiler.
    pub cc: &'static str,
    /// The command prefix that runs a target program: qemu-user with the cross sysroot.
    pub runner: Vec<&'static str>,
}

/// `None` when target programs run natively; the cross compiler and qemu runner when this
/// test runs under qemu-user (`cargo xtask arm-test`). There a spawned program runs
/// natively, so `uname` reports the host's architecture, unlike this process.
pub fn cross() -> Option<Cross> {
    let host_arch = Command::new("uname")
        .arg("-m")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let arch = std::env::consts::ARCH;
    if host_arch == arch || (arch == "arm" && host_arch.starts_with("arm")) {
        return None;
    }
    Some(match arch {
        "aarch64" => Cross {
            cc: "aarch64-linux-gnu-gcc",
            runner: vec!["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
        },
        "arm" => Cross {
            cc: "arm-linux-gnueabihf-gcc",
            runner: vec!["qemu-arm", "-L", "/usr/arm-linux-gnueabihf"],
        },
        other => panic!("no cross compiler known for {other} on a {host_arch} host"),
    })
}

/// A command that runs `exe`, a program built for this test binary's target.
pub fn target_command(exe: &str) -> Command {
    match cross() {
        Some(c) => {
            let mut cmd = Command::new(c.runner[0]);
            cmd.args(&c.runner[1..]).arg(exe);
            cmd
        }
        None => Command::new(exe),
    }
}
