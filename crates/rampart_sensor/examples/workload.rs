//! Workload generator for the sensor's overhead benchmark (bench/sensor.sh,
//! docs/PERFORMANCE.md): many short processes, or many TCP connects.
//!
//! ```sh
//! workload exec --count 20000 --threads 4 [--rate 3000] [--program /bin/true]
//! workload connect --count 50000 --threads 4 [--rate 10000]
//! ```
//!
//! `exec` spawns the program with `std::process::Command` (posix_spawn, a
//! vfork-style clone) and waits for it; `connect` opens a new socket for every
//! connect to a listener of its own on 127.0.0.1, which accepts and closes.
//! `--rate` paces the operations (per second, over all threads) instead of
//! running flat out. Prints one JSON line: mode, count, threads, target rate,
//! seconds and operations per second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exec,
    Connect,
}

struct Options {
    mode: Mode,
    count: u64,
    threads: u64,
    rate: Option<f64>,
    program: String,
}

const USAGE: &str =
    "usage: workload exec|connect --count N --threads T [--rate R] [--program PATH]";

fn parse() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("exec") => Mode::Exec,
        Some("connect") => Mode::Connect,
        Some(other) => return Err(format!("unknown mode {other:?}")),
        None => return Err("a mode is required".to_owned()),
    };
    let mut options = Options {
        mode,
        count: 10_000,
        threads: 2,
        rate: None,
        program: "/bin/true".to_owned(),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| format!("{flag} takes a positive number, not {value:?}"))
        };
        match flag.as_str() {
            "--count" => options.count = number()? as u64,
            "--threads" => options.threads = number()? as u64,
            "--rate" => options.rate = Some(number()?),
            "--program" => options.program = value.clone(),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if options.count == 0 || options.threads == 0 {
        return Err("--count and --threads must be at least 1".to_owned());
    }
    Ok(options)
}

/// A listener on 127.0.0.1 that accepts and closes every connection (the
/// server closes first, so TIME_WAIT stays on its side and the client's
/// ephemeral ports are free again at once).
fn start_listener() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot listen on 127.0.0.1");
    let addr = listener
        .local_addr()
        .expect("the listener has no local address");
    std::thread::Builder::new()
        .name("accept".to_owned())
        .spawn(move || {
            for stream in listener.incoming() {
                // Dropping the stream closes it; accept errors (EMFILE, ...)
                // show up as failed connects on the client side.
                drop(stream);
            }
        })
        .expect("cannot start the accept thread");
    addr
}

fn one_exec(program: &str) {
    let status = Command::new(program)
        .status()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    assert!(status.success(), "{program} failed: {status}");
}

fn one_connect(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr)
        .unwrap_or_else(|error| panic!("cannot connect to {addr}: {error}"));
    // Wait for the server's close, so that it is the side that closes first.
    let mut byte = [0u8; 1];
    let _ = stream.read(&mut byte);
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let addr = (options.mode == Mode::Connect).then(start_listener);
    let threads = options.threads;
    // Each thread paces its own share: operation j of a thread starts no
    // earlier than j / (rate / threads) seconds after the start.
    let interval = options
        .rate
        .map(|rate| Duration::from_secs_f64(threads as f64 / rate));
    let start = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let share = options.count / threads + u64::from(t < options.count % threads);
            let program = options.program.as_str();
            scope.spawn(move || {
                for j in 0..share {
                    if let Some(interval) = interval {
                        let due = start + interval * u32::try_from(j).unwrap_or(u32::MAX);
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        }
                    }
                    match addr {
                        Some(addr) => one_connect(addr),
                        None => one_exec(program),
                    }
                }
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let mode = match options.mode {
        Mode::Exec => "exec",
        Mode::Connect => "connect",
    };
    let rate = options
        .rate
        .map_or_else(|| "null".to_owned(), |r| format!("{r}"));
    println!(
        "{{\"mode\":\"{mode}\",\"count\":{},\"threads\":{threads},\"rate\":{rate},\"seconds\":{seconds:.4},\"ops_per_sec\":{:.1}}}",
        options.count,
        options.count as f64 / seconds
    );
    ExitCode::SUCCESS
}
