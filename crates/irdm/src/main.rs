//! `irdm`: the command-line tool for InvenioRDM repositories.

mod cmd;
mod config;
mod edit;
mod exit;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// Output into a pipe whose reader is gone (`irdm search | head`) ends the program quietly, as
/// command-line tools do, rather than with a panic report (printing to such a pipe panics).
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") || msg.contains("os error 32") {
            std::process::exit(i32::from(exit::BROKEN_PIPE));
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = cmd::Cli::parse();
    init_tracing(cli.verbose);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    match rt.block_on(cmd::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = output::report_error(&e);
            ExitCode::from(code)
        }
    }
}

fn init_tracing(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let filter = match verbose {
        1 => "inveniordm=debug,irdm=debug",
        _ => "inveniordm=trace,irdm=trace,inveniordm_sandbox=debug,reqwest=debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
}
