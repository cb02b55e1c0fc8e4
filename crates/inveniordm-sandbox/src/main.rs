//! `inveniordm-sandbox`: run a local InvenioRDM-compatible server.

use clap::Parser;
use inveniordm_sandbox::cli::SandboxArgs;

#[tokio::main]
async fn main() {
    let args = SandboxArgs::parse();
    if let Err(e) = inveniordm_sandbox::cli::run(args).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
