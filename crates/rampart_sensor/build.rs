//! Compiles the eBPF programs with clang and generates their libbpf-rs skeleton.

fn main() {
    #[cfg(feature = "bpf")]
    bpf::build();
}

#[cfg(feature = "bpf")]
mod bpf {
    use std::env;
    use std::path::PathBuf;
    use std::process::Command;

    const SOURCE: &str = "src/bpf/sensor.bpf.c";

    pub fn build() {
        for file in [SOURCE, "src/bpf/sensor.h", "src/bpf/vmlinux.h"] {
            println!("cargo:rerun-if-changed={file}");
        }
        println!("cargo:rerun-if-env-changed=CLANG");
        if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
            return;
        }
        let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("sensor.skel.rs");
        let arch = match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
            Ok("x86_64") => "x86",
            Ok("aarch64") => "arm64",
            Ok(other) => panic!("the eBPF sensor does not support {other} yet"),
            Err(_) => "x86",
        };
        let clang = find_clang();
        let result = libbpf_cargo::SkeletonBuilder::new()
            .source(SOURCE)
            .clang(&clang)
            .clang_args([
                format!("-D__TARGET_ARCH_{arch}"),
                "-Isrc/bpf".to_owned(),
                "-Wall".to_owned(),
            ])
            .build_and_generate(&out);
        if let Err(error) = result {
            panic!(
                "compiling {SOURCE} with {clang} failed: {error:#}\n\
                 (install clang 14 or later, libelf-dev and zlib1g-dev: `apt-get install clang-14 libelf-dev zlib1g-dev pkg-config`, \
                 or build without the sensor: `--no-default-features`)"
            );
        }
    }

    /// `$CLANG`, else the first of clang, clang-19 … clang-14 on the PATH.
    fn find_clang() -> String {
        if let Ok(clang) = env::var("CLANG") {
            return clang;
        }
        let candidates = [
            "clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14",
        ];
        for candidate in candidates {
            if Command::new(candidate)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                return candidate.to_owned();
            }
        }
        panic!(
            "the eBPF sensor needs clang 14 or later to build: `apt-get install clang-14 libelf-dev zlib1g-dev pkg-config` \
             (or set CLANG=/path/to/clang)"
        );
    }
}
